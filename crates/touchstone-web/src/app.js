// The workbench's only script: progressive enhancement, every form works without it.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // Drag and drop onto the attachment field.
  for (const zone of document.querySelectorAll("label.drop")) {
    const input = zone.querySelector("input[type=file]");
    zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
    zone.addEventListener("dragleave", () => zone.classList.remove("over"));
    zone.addEventListener("drop", (e) => {
      e.preventDefault();
      zone.classList.remove("over");
      if (e.dataTransfer && e.dataTransfer.files.length) { input.files = e.dataTransfer.files; }
    });
  }
  // The rationale is required for FAIL (the server also requires it for overriding a finding).
  const form = document.getElementById("record-form");
  if (form) {
    const notes = document.getElementById("notes");
    const update = () => {
      const v = form.querySelector("input[name=verdict]:checked");
      notes.required = Boolean(v && v.value === "FAIL");
    };
    for (const r of form.querySelectorAll("input[name=verdict]")) { r.addEventListener("change", update); }
    update();
  }
});
