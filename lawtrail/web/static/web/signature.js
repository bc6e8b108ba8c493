/* Signature pad (签字板): a canvas drawn on with a finger, a stylus or the mouse.
 *
 * Pointer events give one code path for all three; browsers without them (old office
 * browsers) fall back to mouse and touch events. The drawing is exported as a PNG data URL
 * (white background, so it prints) into the hidden input named by data-target after every
 * stroke; "Clear" empties both. No library, no build step.
 */
(function () {
  "use strict";

  function SignaturePad(canvas) {
    var target = document.getElementById(canvas.getAttribute("data-target"));
    var stateEl = document.querySelector('[data-sigpad-state="' + canvas.id + '"]');
    var clearBtn = document.querySelector('[data-sigpad-clear="' + canvas.id + '"]');
    var ctx = canvas.getContext("2d");
    var drawing = false;
    var activePointer = null;
    var last = null;
    var strokes = 0;

    function style() {
      ctx.lineWidth = 2.6;
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
      ctx.strokeStyle = "#101418";
      ctx.fillStyle = "#101418";
    }

    function resize() {
      var ratio = Math.max(window.devicePixelRatio || 1, 1);
      var rect = canvas.getBoundingClientRect();
      if (!rect.width || !rect.height) { return; }
      var keep = strokes ? canvas.toDataURL("image/png") : null;
      canvas.width = Math.round(rect.width * ratio);
      canvas.height = Math.round(rect.height * ratio);
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      style();
      if (keep) {
        var img = new Image();
        img.onload = function () { ctx.drawImage(img, 0, 0, rect.width, rect.height); };
        img.src = keep;
      }
    }

    function point(e) {
      var rect = canvas.getBoundingClientRect();
      return { x: e.clientX - rect.left, y: e.clientY - rect.top };
    }

    function dot(p) {
      ctx.beginPath();
      ctx.arc(p.x, p.y, ctx.lineWidth / 2, 0, Math.PI * 2);
      ctx.fill();
    }

    function line(a, b) {
      ctx.beginPath();
      ctx.moveTo(a.x, a.y);
      ctx.lineTo(b.x, b.y);
      ctx.stroke();
    }

    function setState(text) {
      if (stateEl) { stateEl.textContent = text; }
      canvas.classList.toggle("signed", strokes > 0);
    }

    function exportPng() {
      // Copy onto white so the PNG does not depend on the page's background.
      var out = document.createElement("canvas");
      out.width = canvas.width;
      out.height = canvas.height;
      var octx = out.getContext("2d");
      octx.fillStyle = "#ffffff";
      octx.fillRect(0, 0, out.width, out.height);
      octx.drawImage(canvas, 0, 0);
      target.value = out.toDataURL("image/png");
      target.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function start(e, p) {
      drawing = true;
      last = p;
      dot(p);
      if (e.cancelable) { e.preventDefault(); }
    }

    function move(p) {
      if (!drawing) { return; }
      line(last, p);
      last = p;
    }

    function end() {
      if (!drawing) { return; }
      drawing = false;
      activePointer = null;
      strokes += 1;
      exportPng();
      setState(canvas.getAttribute("data-signed-text") || "✓");
    }

    if (window.PointerEvent) {
      canvas.addEventListener("pointerdown", function (e) {
        if (e.pointerType === "mouse" && e.button !== 0) { return; }
        if (activePointer !== null) { return; }
        activePointer = e.pointerId;
        if (canvas.setPointerCapture) { canvas.setPointerCapture(e.pointerId); }
        start(e, point(e));
      });
      canvas.addEventListener("pointermove", function (e) {
        if (!drawing || e.pointerId !== activePointer) { return; }
        e.preventDefault();
        var events = e.getCoalescedEvents ? e.getCoalescedEvents() : [];
        if (!events.length) { events = [e]; }
        for (var i = 0; i < events.length; i++) { move(point(events[i])); }
      });
      ["pointerup", "pointercancel", "lostpointercapture"].forEach(function (name) {
        canvas.addEventListener(name, function (e) {
          if (e.pointerId === activePointer) { end(); }
        });
      });
    } else {
      canvas.addEventListener("mousedown", function (e) { start(e, point(e)); });
      window.addEventListener("mousemove", function (e) { move(point(e)); });
      window.addEventListener("mouseup", end);
      canvas.addEventListener("touchstart", function (e) { start(e, point(e.touches[0])); });
      canvas.addEventListener("touchmove", function (e) {
        e.preventDefault();
        move(point(e.touches[0]));
      });
      canvas.addEventListener("touchend", end);
    }

    function clear() {
      ctx.save();
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      ctx.restore();
      strokes = 0;
      target.value = "";
      setState(canvas.getAttribute("data-empty-text") || "");
    }

    if (clearBtn) { clearBtn.addEventListener("click", clear); }
    window.addEventListener("resize", resize);
    resize();
    if (stateEl) {
      canvas.setAttribute("data-empty-text", stateEl.getAttribute("data-empty") || stateEl.textContent);
    }
    // A page shown again after an error keeps the earlier drawing.
    if (target.value && target.value.indexOf("data:image/png;base64,") === 0) {
      var img = new Image();
      img.onload = function () {
        var rect = canvas.getBoundingClientRect();
        ctx.drawImage(img, 0, 0, rect.width, rect.height);
        strokes = 1;
        setState(canvas.getAttribute("data-signed-text") || "✓");
      };
      img.src = target.value;
    }
    return { clear: clear };
  }

  function init() {
    var pads = document.querySelectorAll("canvas[data-sigpad]");
    for (var i = 0; i < pads.length; i++) { pads[i].lawtrailPad = new SignaturePad(pads[i]); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
