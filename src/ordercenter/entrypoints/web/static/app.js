// Order Center's few behaviours on top of server-rendered pages and htmx. Every page works without
// this file: it only adds the dialog, the bulk-selection bar and small conveniences.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  const dialog = () => document.getElementById("dialog");
  let opener = null;

  // Anything that loads into the dialog opens it; the native modal keeps focus inside and Escape closes it.
  document.addEventListener("htmx:beforeRequest", (event) => {
    const target = event.detail.target;
    if (target && target.id === "dialog-body" && !dialog().open) {
      opener = document.activeElement;
    }
  });
  document.addEventListener("htmx:afterSwap", (event) => {
    const d = dialog();
    if (event.detail.target.id !== "dialog-body") return;
    if (!d.open) d.showModal();
    const title = d.querySelector("[data-dialog-title]");
    const label = document.getElementById("dialog-title");
    if (label) label.textContent = title ? title.textContent : "Order Center";
    const first = d.querySelector("#dialog-body [autofocus], #dialog-body select, #dialog-body input:not([type=hidden]), "
      + "#dialog-body button, #dialog-body a[href]");
    (first || d.querySelector("[data-close-dialog]")).focus();
  });
  document.addEventListener("click", (event) => {
    const closer = event.target.closest("[data-close-dialog]");
    if (closer && dialog().open) {
      event.preventDefault();
      dialog().close();
    }
  });
  // A modal dialog keeps the page behind it inert, but Tab would still leave for the browser's own
  // controls: wrap it around inside the dialog instead.
  const FOCUSABLE = "a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), select:not([disabled]), "
    + "textarea:not([disabled]), [tabindex]:not([tabindex='-1'])";
  document.addEventListener("keydown", (event) => {
    const d = dialog();
    if (event.key !== "Tab" || !d || !d.open) return;
    const items = Array.from(d.querySelectorAll(FOCUSABLE)).filter((el) => el.offsetParent !== null);
    if (!items.length) return;
    const first = items[0];
    const last = items[items.length - 1];
    if (event.shiftKey && (document.activeElement === first || !d.contains(document.activeElement))) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (document.activeElement === last || !d.contains(document.activeElement))) {
      event.preventDefault();
      first.focus();
    }
  });
  document.addEventListener("close", (event) => {
    if (event.target.id !== "dialog") return;
    document.getElementById("dialog-body").replaceChildren();
    if (opener && document.body.contains(opener)) opener.focus();
    opener = null;
  }, true);

  // Bulk selection: "3 selected · Place orders" appears once a row is ticked.
  function refreshBulkBar(form) {
    const bar = form.querySelector(".bulk-bar");
    if (!bar) return;
    const boxes = form.querySelectorAll("input[name=ids]");
    const ticked = form.querySelectorAll("input[name=ids]:checked").length;
    bar.toggleAttribute("data-empty", ticked === 0);
    const count = bar.querySelector("[data-selected-count]");
    if (count) count.textContent = ticked + " selected";
    const all = form.querySelector("[data-select-all]");
    if (all) {
      all.checked = ticked > 0 && ticked === boxes.length;
      all.indeterminate = ticked > 0 && ticked < boxes.length;
    }
  }
  document.addEventListener("change", (event) => {
    const form = event.target.closest("form[data-bulk]");
    if (!form) return;
    if (event.target.matches("[data-select-all]")) {
      form.querySelectorAll("input[name=ids]").forEach((box) => { box.checked = event.target.checked; });
    }
    refreshBulkBar(form);
  });
  function refreshAll() { document.querySelectorAll("form[data-bulk]").forEach(refreshBulkBar); }
  document.addEventListener("DOMContentLoaded", refreshAll);
  document.addEventListener("htmx:afterSettle", refreshAll);

  // Menus (<details>) close with Escape, giving the focus back to their button, and when a click lands elsewhere.
  const MENUS = "details.more-actions[open], details.person[open], .filters details[open]";
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape" || (dialog() && dialog().open)) return;
    document.querySelectorAll(MENUS).forEach((menu) => {
      menu.open = false;
      if (menu.contains(document.activeElement) || document.activeElement === document.body) {
        menu.querySelector("summary").focus();
      }
    });
  });
  document.addEventListener("click", (event) => {
    document.querySelectorAll(MENUS).forEach((menu) => { if (!menu.contains(event.target)) menu.open = false; });
  });

  // "Copy text" buttons copy the text of the element they name.
  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-copy]");
    if (!button) return;
    const source = document.getElementById(button.getAttribute("data-copy"));
    if (source && navigator.clipboard) {
      navigator.clipboard.writeText(source.innerText).then(() => { button.textContent = "Copied"; });
    }
  });
})();
