/* Signification as people expect it: a point in a triangle for a triad, a slider for a dyad.
 *
 * Progressive enhancement over the respondent form's number fields (the form works without
 * JavaScript): the widgets write the same three shares out of 100, or one value from 0 to
 * 100, into those fields, which stay in the form and are what the server reads. "Does not
 * apply" stays a plain checkbox. Keyboard: arrow keys move the point or the slider (Shift for
 * bigger steps, Home to the centre, Delete to clear); touch and mouse through pointer events.
 * Texts come from data-i18n-* attributes the template renders in the respondent's language.
 * No dependencies, no build step.
 */
(function () {
  "use strict";

  var SVG = "http://www.w3.org/2000/svg";
  // The triangle's corners in the SVG's own units: top, bottom left, bottom right.
  var A = { x: 150, y: 14 }, B = { x: 14, y: 250 }, C = { x: 286, y: 250 };

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) node.textContent = text;
    return node;
  }

  function svgEl(tag, attrs) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    return node;
  }

  function labelText(input) {
    var label = document.querySelector('label[for="' + input.id + '"]');
    return label ? label.textContent.trim() : input.name;
  }

  /* Barycentric coordinates of (x, y): how much of each corner, clipped into the triangle. */
  function shares(x, y) {
    var d = (B.y - C.y) * (A.x - C.x) + (C.x - B.x) * (A.y - C.y);
    var a = ((B.y - C.y) * (x - C.x) + (C.x - B.x) * (y - C.y)) / d;
    var b = ((C.y - A.y) * (x - C.x) + (A.x - C.x) * (y - C.y)) / d;
    var w = [a, b, 1 - a - b].map(function (v) { return Math.max(0, v); });
    var sum = w[0] + w[1] + w[2] || 1;
    return w.map(function (v) { return v / sum; });
  }

  function pointOf(w) {
    return { x: w[0] * A.x + w[1] * B.x + w[2] * C.x, y: w[0] * A.y + w[1] * B.y + w[2] * C.y };
  }

  /* Whole percentages that add up to 100 (largest remainder). */
  function percentages(w) {
    var raw = w.map(function (v) { return v * 100; });
    var out = raw.map(Math.floor);
    var left = 100 - out[0] - out[1] - out[2];
    raw.map(function (v, i) { return [v - Math.floor(v), i]; })
      .sort(function (p, q) { return q[0] - p[0]; })
      .slice(0, left)
      .forEach(function (p) { out[p[1]] += 1; });
    return out;
  }

  function buttons(form, onClear, numberFields, startWithNumbers, numbersHelp) {
    var row = el("p", { "class": "signification-actions" });
    var clear = el("button", { type: "button", "class": "link-button" }, form.dataset.i18nClear);
    clear.addEventListener("click", onClear);
    var toggle = el("button", { type: "button", "class": "link-button", "aria-expanded": "false" });
    function show(numbers) {
      numberFields.forEach(function (f) { f.hidden = !numbers; });
      if (numbersHelp) numbersHelp.hidden = !numbers;
      toggle.textContent = numbers ? form.dataset.i18nUsePicture : form.dataset.i18nTypeNumbers;
      toggle.setAttribute("aria-expanded", numbers ? "true" : "false");
    }
    toggle.addEventListener("click", function () { show(numberFields[0].hidden); });
    show(startWithNumbers);
    row.appendChild(clear);
    row.appendChild(document.createTextNode(" · "));
    row.appendChild(toggle);
    return row;
  }

  function liveRegion() {
    return el("p", { "class": "visually-hidden", "aria-live": "polite", "aria-atomic": "true" });
  }

  function enhanceTriad(fieldset, form) {
    var inputs = Array.prototype.slice.call(fieldset.querySelectorAll('input[type="number"]'), 0, 3);
    if (inputs.length !== 3) return;
    var na = fieldset.querySelector('input[type="checkbox"]');
    var names = inputs.map(labelText);
    var fields = inputs.map(function (i) { return i.closest(".field"); });
    var hasErrors = fields.some(function (f) { return f.classList.contains("has-error"); });
    var question = (fieldset.querySelector("legend") || {}).textContent || "";

    var widget = el("div", { "class": "triad-widget" });
    widget.appendChild(el("p", { "class": "help" }, form.dataset.i18nTriadHelp));
    widget.appendChild(el("div", { "class": "triad-corner triad-top", "aria-hidden": "true" }, names[0]));
    var pad = el("div", {
      "class": "triad-pad",
      role: "slider",
      tabindex: "0",
      "aria-label": question.trim(),
      "aria-roledescription": form.dataset.i18nTriangle,
      "aria-valuemin": "0",
      "aria-valuemax": "100"
    });
    var svg = svgEl("svg", { viewBox: "0 0 300 264", "aria-hidden": "true", focusable: "false" });
    svg.appendChild(svgEl("polygon", {
      points: [A, B, C].map(function (p) { return p.x + "," + p.y; }).join(" "),
      "class": "triad-area"
    }));
    var dot = svgEl("circle", { r: "12", "class": "triad-point", cx: "150", cy: "171" });
    svg.appendChild(dot);
    pad.appendChild(svg);
    // A finger-sized handle over the point: dragging it moves the point in any direction,
    // while a vertical swipe elsewhere on the triangle still scrolls the page.
    var handle = el("span", { "class": "triad-handle", "aria-hidden": "true" });
    pad.appendChild(handle);
    widget.appendChild(pad);
    var bottom = el("div", { "class": "triad-bottom", "aria-hidden": "true" });
    bottom.appendChild(el("span", {}, names[1]));
    bottom.appendChild(el("span", {}, names[2]));
    widget.appendChild(bottom);
    var readout = el("p", { "class": "triad-readout" });
    widget.appendChild(readout);
    var live = liveRegion();
    widget.appendChild(live);

    // "31 %" in French, "31%" in English: the page's language decides.
    var percent = new Intl.NumberFormat(document.documentElement.lang || undefined, { style: "percent" });
    var current = null; // shares, or null while not answered
    var announceTimer = null;

    function describe(w) {
      if (!w) return form.dataset.i18nNotAnswered;
      var p = percentages(w);
      return names.map(function (n, i) { return n + " " + percent.format(p[i] / 100); }).join(", ");
    }

    function render(announce) {
      var text = describe(current);
      readout.textContent = text;
      pad.setAttribute("aria-valuetext", text);
      if (current) {
        var pt = pointOf(current);
        dot.setAttribute("cx", pt.x.toFixed(1));
        dot.setAttribute("cy", pt.y.toFixed(1));
        handle.style.left = (pt.x / 300) * 100 + "%";
        handle.style.top = (pt.y / 264) * 100 + "%";
        pad.setAttribute("aria-valuenow", String(percentages(current)[0]));
        widget.classList.remove("is-unanswered");
      } else {
        pad.removeAttribute("aria-valuenow");
        widget.classList.add("is-unanswered");
      }
      if (announce) {
        clearTimeout(announceTimer);
        announceTimer = setTimeout(function () { live.textContent = text; }, 400);
      }
    }

    function set(w, announce) {
      current = w;
      var p = w ? percentages(w) : ["", "", ""];
      inputs.forEach(function (input, i) { input.value = p[i]; });
      if (w && na && na.checked) { na.checked = false; widget.classList.remove("is-na"); }
      render(announce);
    }

    function fromFields() {
      var v = inputs.map(function (i) { return parseFloat(i.value); });
      if (v.some(isNaN)) return null;
      var sum = v[0] + v[1] + v[2];
      return sum > 0 ? v.map(function (x) { return x / sum; }) : null;
    }

    function toSvg(evt) {
      var pt = svg.createSVGPoint();
      pt.x = evt.clientX;
      pt.y = evt.clientY;
      return pt.matrixTransform(svg.getScreenCTM().inverse());
    }

    // Mouse: press anywhere and drag. Touch and pen: drag the handle; a tap (or a sideways
    // drag) on the triangle places the point; a vertical swipe scrolls the page (the browser
    // then cancels the pointer and nothing changes).
    var dragging = false;
    var touchStart = null;
    function moveTo(evt) {
      var p = toSvg(evt);
      set(shares(p.x, p.y), false);
    }
    function startDrag(evt, target) {
      dragging = true;
      touchStart = null;
      target.setPointerCapture(evt.pointerId);
      moveTo(evt);
      pad.focus();
    }
    handle.addEventListener("pointerdown", function (evt) {
      evt.stopPropagation();
      evt.preventDefault();
      startDrag(evt, handle);
    });
    pad.addEventListener("pointerdown", function (evt) {
      if (evt.pointerType === "mouse") {
        evt.preventDefault();
        startDrag(evt, pad);
      } else {
        touchStart = { x: evt.clientX, y: evt.clientY };
      }
    });
    function onMove(evt) {
      if (dragging) {
        moveTo(evt);
      } else if (touchStart) {
        var dx = Math.abs(evt.clientX - touchStart.x), dy = Math.abs(evt.clientY - touchStart.y);
        if (dx + dy < 10) return;
        if (dx > dy) {
          startDrag(evt, pad); // a sideways drag moves the point
        } else {
          touchStart = null; // a vertical swipe is the page's: scrolling, not an answer
        }
      }
    }
    pad.addEventListener("pointermove", onMove);
    handle.addEventListener("pointermove", onMove);
    function stop(evt) {
      if (touchStart && evt.type === "pointerup") {
        moveTo(evt); // a tap
        pad.focus();
        render(true);
      }
      touchStart = null;
      if (!dragging) return;
      dragging = false;
      render(true);
    }
    pad.addEventListener("pointerup", stop);
    handle.addEventListener("pointerup", stop);
    pad.addEventListener("pointercancel", function () { touchStart = null; dragging = false; });
    handle.addEventListener("pointercancel", function () { dragging = false; });

    pad.addEventListener("keydown", function (evt) {
      var step = evt.shiftKey ? 24 : 6;
      var pt = current ? pointOf(current) : pointOf([1 / 3, 1 / 3, 1 / 3]);
      var moves = {
        ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step]
      };
      if (moves[evt.key]) {
        var m = current ? moves[evt.key] : [0, 0]; // the first key press places the point
        set(shares(pt.x + m[0], pt.y + m[1]), false);
      } else if (evt.key === "Home") {
        set([1 / 3, 1 / 3, 1 / 3], false);
      } else if (evt.key === "Delete" || evt.key === "Backspace") {
        set(null, false);
      } else {
        return;
      }
      evt.preventDefault();
    });

    if (na) {
      na.addEventListener("change", function () { widget.classList.toggle("is-na", na.checked); });
      widget.classList.toggle("is-na", na.checked);
    }
    inputs.forEach(function (input) {
      input.addEventListener("input", function () { current = fromFields(); render(false); });
    });

    widget.appendChild(buttons(
      form, function () { set(null, true); pad.focus(); }, fields, hasErrors,
      fieldset.querySelector(".numbers-help")
    ));
    fields[0].parentNode.insertBefore(widget, fields[0]);
    current = fromFields();
    render(false);
  }

  function enhanceDyad(fieldset, form) {
    var input = fieldset.querySelector('input[type="number"]');
    if (!input) return;
    var na = fieldset.querySelector('input[type="checkbox"]');
    var field = input.closest(".field");
    var left = fieldset.dataset.left || "0";
    var right = fieldset.dataset.right || "100";
    var question = (fieldset.querySelector("legend") || {}).textContent || "";

    var widget = el("div", { "class": "dyad-widget" });
    widget.appendChild(el("p", { "class": "help" }, form.dataset.i18nDyadHelp));
    var ends = el("div", { "class": "dyad-ends", "aria-hidden": "true" });
    ends.appendChild(el("span", {}, left));
    ends.appendChild(el("span", {}, right));
    widget.appendChild(ends);
    var range = el("input", {
      type: "range", min: "0", max: "100", step: "1",
      "aria-label": question.trim(), "class": "dyad-range"
    });
    widget.appendChild(range);
    var readout = el("p", { "class": "dyad-readout" });
    widget.appendChild(readout);
    var live = liveRegion();
    widget.appendChild(live);
    var timer = null;

    function describe() {
      if (input.value === "") return form.dataset.i18nNotAnswered;
      return input.value + " — " + left + " (0) · " + right + " (100)";
    }

    function render(announce) {
      var text = describe();
      readout.textContent = text;
      range.setAttribute("aria-valuetext", text);
      widget.classList.toggle("is-unanswered", input.value === "");
      if (input.value !== "") range.value = input.value;
      if (announce) {
        clearTimeout(timer);
        timer = setTimeout(function () { live.textContent = text; }, 400);
      }
    }

    range.addEventListener("input", function () {
      input.value = range.value;
      if (na && na.checked) { na.checked = false; widget.classList.remove("is-na"); }
      render(false);
    });
    range.addEventListener("change", function () { render(true); });
    // A tap on the thumb where it already is (50) changes nothing, but is still an answer.
    range.addEventListener("pointerup", function () {
      if (input.value === "") { input.value = range.value; render(true); }
    });
    input.addEventListener("input", function () { render(false); });
    if (na) {
      na.addEventListener("change", function () { widget.classList.toggle("is-na", na.checked); });
      widget.classList.toggle("is-na", na.checked);
    }
    widget.appendChild(buttons(form, function () {
      input.value = "";
      range.value = "50";
      render(true);
      range.focus();
    }, [field], field.classList.contains("has-error")));
    field.parentNode.insertBefore(widget, field);
    if (input.value === "") range.value = "50";
    render(false);
  }

  function init() {
    var form = document.getElementById("story-form");
    if (!form) return;
    Array.prototype.forEach.call(form.querySelectorAll('fieldset[data-kind="triad"]'), function (f) {
      enhanceTriad(f, form);
    });
    Array.prototype.forEach.call(form.querySelectorAll('fieldset[data-kind="dyad"]'), function (f) {
      enhanceDyad(f, form);
    });
    var summary = document.getElementById("error-summary");
    if (summary) summary.focus();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
