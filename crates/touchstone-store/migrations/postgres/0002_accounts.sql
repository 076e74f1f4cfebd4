-- Accounts of the workbench (`touchstone serve`): one argon2 password hash
-- (PHC string, made by the web layer) per user. Kept in step with the other
-- backend's file of the same name: the text is identical.

CREATE TABLE credentials (
    user_id TEXT NOT NULL PRIMARY KEY REFERENCES users (id),
    password_hash TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
