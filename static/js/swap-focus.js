/* Focus after an htmx swap: when a link such as "Add a cause" swaps a form into the page
 * (hx-get + hx-select + hx-target), the link that had focus is gone and focus would fall to
 * <body>, so nothing is announced and a keyboard or screen-reader user starts again at the
 * top. This moves focus to the swapped-in part's first visible form field (else its heading,
 * else the part itself) and keeps that part in view, also on a narrow phone screen.
 * Without JavaScript the links load the page with the form open (?open=…#anchor).
 * No inline code (the CSP forbids it), no dependencies.
 */
(function () {
  "use strict";

  var FIELDS = "input:not([type=hidden]):not([disabled]), select:not([disabled]), " +
    "textarea:not([disabled])";
  var pending = false;

  function visible(node) {
    return !!(node.offsetWidth || node.offsetHeight || node.getClientRects().length);
  }

  function firstOf(root, selector) {
    var nodes = root.querySelectorAll(selector);
    for (var i = 0; i < nodes.length; i += 1) {
      if (visible(nodes[i])) { return nodes[i]; }
    }
    return null;
  }

  function focusIn(root) {
    var target = firstOf(root, FIELDS) || firstOf(root, "h2, h3, summary");
    if (!target) {
      target = root;
    }
    if (target.matches("h2, h3, section, p, div, details") && !target.hasAttribute("tabindex")) {
      target.setAttribute("tabindex", "-1");
    }
    target.focus({ preventScroll: true });
    // The field's label sits above it: bring the swapped part's top into view when it fits,
    // else the field itself.
    var box = root.getBoundingClientRect();
    if (box.height <= window.innerHeight) {
      root.scrollIntoView({ block: "nearest" });
    }
    target.scrollIntoView({ block: "nearest" });
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var source = event.detail && event.detail.elt;
    pending = !!(source && source.hasAttribute("hx-target"));
  });

  // htmx:load is fired on each new element once it is in the document.
  document.addEventListener("htmx:load", function (event) {
    if (!pending || event.target === document.body) {
      return;
    }
    pending = false;
    focusIn(event.target);
  });
}());
