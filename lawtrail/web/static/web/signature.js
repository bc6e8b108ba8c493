/* Signature pad (签字板): a canvas drawn on with a finger, a stylus or the mouse.
 *
 * Pointer events give one code path for all three; browsers without them (old office
 * browsers) fall back to mouse and touch events. Strokes are kept as points relative to the
 * pad's size, so turning a tablet or resizing the window redraws them sharply instead of
 * stretching a bitmap. After every stroke the drawing is exported as a PNG data URL (white
 * background, so it prints) into the hidden input named by data-target; "Clear" empties both.
 * No library, no build step.
 */
(function () {
  "use strict";

  function SignaturePad(canvas) {
    var target = document.getElementById(canvas.getAttribute("data-target"));
    var stateEl = document.querySelector('[data-sigpad-state="' + canvas.id + '"]');
    var clearBtn = document.querySelector('[data-sigpad-clear="' + canvas.id + '"]');
    var ctx = canvas.getContext("2d");
    var strokes = [];      // each stroke: a list of [x, y] in 0..1 of the pad's width and height
    var current = null;    // the stroke being drawn
    var activePointer = null;
    var size = { width: 0, height: 0 };
    var emptyText = stateEl ? stateEl.textContent : "";
    var restored = null;   // the drawing sent before, when the page comes back with an error

    function style() {
      ctx.lineWidth = 2.6;
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
      ctx.strokeStyle = "#101418";
      ctx.fillStyle = "#101418";
    }

    function toPixels(p) {
      return { x: p[0] * size.width, y: p[1] * size.height };
    }

    function drawStroke(stroke) {
      var first = toPixels(stroke[0]);
      ctx.beginPath();
      ctx.arc(first.x, first.y, ctx.lineWidth / 2, 0, Math.PI * 2);
      ctx.fill();
      if (stroke.length < 2) { return; }
      ctx.beginPath();
      ctx.moveTo(first.x, first.y);
      for (var i = 1; i < stroke.length; i++) {
        var p = toPixels(stroke[i]);
        ctx.lineTo(p.x, p.y);
      }
      ctx.stroke();
    }

    function redraw() {
      ctx.save();
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      ctx.restore();
      if (restored) { ctx.drawImage(restored, 0, 0, size.width, size.height); }
      for (var i = 0; i < strokes.length; i++) { drawStroke(strokes[i]); }
    }

    function resize() {
      var rect = canvas.getBoundingClientRect();
      if (!rect.width || !rect.height) { return; }  // hidden: measured again when shown
      if (rect.width === size.width && rect.height === size.height) { return; }
      var ratio = Math.max(window.devicePixelRatio || 1, 1);
      size = { width: rect.width, height: rect.height };
      canvas.width = Math.round(rect.width * ratio);
      canvas.height = Math.round(rect.height * ratio);
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      style();
      redraw();
    }

    function point(e) {
      var rect = canvas.getBoundingClientRect();
      return [(e.clientX - rect.left) / rect.width, (e.clientY - rect.top) / rect.height];
    }

    function setState(text) {
      if (stateEl) { stateEl.textContent = text; }
      canvas.classList.toggle("signed", strokes.length > 0 || restored !== null);
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
    }

    function start(e, p) {
      resize();
      current = [p];
      strokes.push(current);
      drawStroke(current);
      if (e.cancelable) { e.preventDefault(); }
    }

    function move(p) {
      if (!current) { return; }
      var last = toPixels(current[current.length - 1]);
      current.push(p);
      var next = toPixels(p);
      ctx.beginPath();
      ctx.moveTo(last.x, last.y);
      ctx.lineTo(next.x, next.y);
      ctx.stroke();
    }

    function end() {
      if (!current) { return; }
      current = null;
      activePointer = null;
      exportPng();
      setState(canvas.getAttribute("data-signed-text") || "✓");
    }

    if (window.PointerEvent) {
      canvas.addEventListener("pointerdown", function (e) {
        if (e.pointerType === "mouse" && e.button !== 0) { return; }
        if (activePointer !== null) { return; }  // a second finger does not draw
        activePointer = e.pointerId;
        if (canvas.setPointerCapture) { canvas.setPointerCapture(e.pointerId); }
        start(e, point(e));
      });
      canvas.addEventListener("pointermove", function (e) {
        if (!current || e.pointerId !== activePointer) { return; }
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
      strokes = [];
      current = null;
      restored = null;
      redraw();
      target.value = "";
      setState(emptyText);
    }

    if (clearBtn) { clearBtn.addEventListener("click", clear); }
    if (window.ResizeObserver) {
      new ResizeObserver(resize).observe(canvas);
    } else {
      window.addEventListener("resize", resize);
    }
    resize();
    // A page shown again after an error keeps the drawing the signer already made.
    if (target.value.indexOf("data:image/png;base64,") === 0) {
      var img = new Image();
      img.onload = function () {
        restored = img;
        redraw();
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
