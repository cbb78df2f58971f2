// Fills the admin's clock form with this browser's time; without JavaScript the admin types it.
(function () {
  var field = document.getElementById("browser_ms");
  var shown = document.getElementById("browser_time");
  if (!field) { return; }
  function tick() {
    var now = new Date();
    field.value = String(now.getTime());
    if (shown) { shown.textContent = now.toISOString().slice(0, 16).replace("T", " ") + " UTC"; }
  }
  tick();
  setInterval(tick, 1000);
})();
