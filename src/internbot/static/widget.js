/* internbot widget: <script src="https://HOST/widget.js" defer></script>
 * Options (data- attributes on the script tag):
 *   data-position="right|left"  data-accent="#2563eb"  data-greeting="Questions? Ask me!"
 *   data-open="true"  (open on load)   data-title="Ask internbot"
 * Everything lives in a shadow root: the host page's layout and CSS are untouched. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__internbotWidget) return;
  window.__internbotWidget = true;
  var d = script.dataset || {};
  var base = new URL(script.src, location.href).origin;
  var side = d.position === "left" ? "left" : "right";
  var accent = /^#[0-9a-f]{3,8}$|^[a-z]+$/i.test(d.accent || "") ? d.accent : "#2563eb";
  var title = d.title || "Ask internbot";
  var greeting = d.greeting || "";

  var host = document.createElement("div");
  host.setAttribute("data-internbot", "");
  host.style.cssText = "all:initial;position:fixed;z-index:2147483000;bottom:0;" + side + ":0;width:0;height:0;";
  var root = host.attachShadow({ mode: "open" });
  root.innerHTML =
    "<style>" +
    ":host{all:initial}" +
    ".btn{position:fixed;bottom:20px;" + side + ":20px;width:56px;height:56px;border-radius:50%;border:0;" +
    "background:" + accent + ";color:#fff;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25);" +
    "display:flex;align-items:center;justify-content:center;padding:0}" +
    ".btn:focus-visible,.close:focus-visible{outline:3px solid #111;outline-offset:2px}" +
    ".btn svg{width:28px;height:28px}" +
    ".panel{position:fixed;bottom:88px;" + side + ":20px;width:380px;height:600px;max-height:calc(100vh - 108px);" +
    "max-width:calc(100vw - 40px);background:#fff;border-radius:14px;overflow:hidden;display:none;" +
    "flex-direction:column;box-shadow:0 10px 40px rgba(0,0,0,.3);font:14px/1.4 system-ui,sans-serif}" +
    ".panel.open{display:flex}" +
    ".bar{display:flex;align-items:center;justify-content:space-between;padding:8px 12px;background:" + accent + ";color:#fff}" +
    ".bar h2{font:600 15px/1.2 system-ui,sans-serif;margin:0}" +
    ".close{background:transparent;border:0;color:#fff;cursor:pointer;width:32px;height:32px;border-radius:6px;padding:4px}" +
    "iframe{border:0;flex:1;width:100%}" +
    ".greet{position:fixed;bottom:86px;" + side + ":20px;max-width:240px;background:#fff;color:#111;padding:10px 12px;" +
    "border-radius:10px;box-shadow:0 4px 14px rgba(0,0,0,.2);font:14px/1.4 system-ui,sans-serif}" +
    "@media (max-width:480px){.panel{bottom:0;" + side + ":0;width:100vw;height:100vh;max-height:100vh;max-width:100vw;border-radius:0}}" +
    "</style>" +
    '<div class="greet" hidden></div>' +
    '<div class="panel" role="dialog" aria-modal="false" aria-label="' + title.replace(/"/g, "&quot;") + '">' +
    '<div class="bar"><h2></h2><button class="close" type="button" aria-label="Close chat">' +
    '<svg viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2.2" stroke-linecap="round"><path d="M6 6l12 12M18 6L6 18"/></svg>' +
    "</button></div></div>" +
    '<button class="btn" type="button" aria-label="Open chat: ' + title.replace(/"/g, "&quot;") + '" aria-expanded="false">' +
    '<svg viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round">' +
    '<path d="M4 5h16v11H9l-5 4z"/><path d="M8 9.5h8M8 12.5h5" stroke-linecap="round"/></svg></button>';

  var btn = root.querySelector(".btn");
  var panel = root.querySelector(".panel");
  var close = root.querySelector(".close");
  var greet = root.querySelector(".greet");
  root.querySelector(".bar h2").textContent = title;
  var frame = null;

  function open() {
    if (!frame) {
      frame = document.createElement("iframe");
      frame.title = title;
      var q = "?page_url=" + encodeURIComponent(location.href.slice(0, 2000)) +
        "&page_title=" + encodeURIComponent((document.title || "").slice(0, 500));
      frame.src = base + "/" + q;
      panel.appendChild(frame);
    }
    panel.classList.add("open");
    greet.hidden = true;
    btn.setAttribute("aria-expanded", "true");
    btn.setAttribute("aria-label", "Close chat");
    close.focus();
  }
  function hide() {
    panel.classList.remove("open");
    btn.setAttribute("aria-expanded", "false");
    btn.setAttribute("aria-label", "Open chat: " + title);
    btn.focus();
  }
  btn.addEventListener("click", function () { panel.classList.contains("open") ? hide() : open(); });
  close.addEventListener("click", hide);
  root.addEventListener("keydown", function (e) { if (e.key === "Escape") hide(); });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && panel.classList.contains("open")) hide();
  });
  window.addEventListener("message", function (e) {
    if (e.origin === base && e.data && e.data.internbot === "close" && panel.classList.contains("open")) hide();
  });
  if (greeting) { greet.textContent = greeting; greet.hidden = false; }
  (document.body || document.documentElement).appendChild(host);
  if (d.open === "true") open();
})();
