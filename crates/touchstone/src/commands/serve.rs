//! `touchstone serve`: the assessor workbench (`touchstone-web`) on
//! loopback. The one-time set-up token of a store without accounts is
//! printed once on stderr, with the address.

use std::process::ExitCode;

use anyhow::{Context as _, Result};
use touchstone_core::text::display_safe;
use touchstone_store::Store;

use crate::cli::ServeArgs;
use crate::output::Ui;

pub(crate) fn run(args: &ServeArgs, ui: &Ui) -> Result<ExitCode> {
    touchstone_web::check_listen(args.listen)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let location = super::store::location(&args.db)?;
        ui.err_line(&display_safe(&format!("store: {location}")));
        let store = Store::open(&location).await?;
        let app = touchstone_web::app(
            store,
            touchstone_web::Options {
                upload_limit: args.upload_limit.saturating_mul(1 << 20),
            },
        )
        .await?;
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("cannot listen on {}", args.listen))?;
        let addr = listener.local_addr()?;
        ui.err_line(&format!("workbench: http://{addr}/"));
        if let Some(token) = &app.setup_token {
            ui.err_line(&format!(
                "first run: no account yet. Open http://{addr}/setup and create the admin with this one-time token (shown only now):\n  {token}"
            ));
        }
        touchstone_web::run(listener, app.router).await?;
        Ok(ExitCode::SUCCESS)
    })
}
