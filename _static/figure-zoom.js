/* The Ben-Or book: tap (or press Enter on) a figure that the page shows smaller than its
 * own size, and it opens at its own size in an overlay that scrolls both ways, so that its
 * text reads on a phone as on a desk (at least 12.5 CSS px: benor_lib/figures/style.py).
 * No library, nothing from another host; Escape, the close button or a tap outside the
 * picture closes it and gives the focus back to the figure.
 *
 * Which images: figures and plot outputs in the article (not the animation's frames).
 * An image becomes zoomable when it is drawn narrower than its natural width; it gets
 * class "benor-zoomable", role "button", tabindex 0 and an aria-label.
 */
(function () {
  "use strict";
  var SELECTOR = "article.bd-article figure img, article.bd-article .cell_output img";
  var dialog = null;

  function naturalCssWidth(img) {
    return img.naturalWidth; // figures are made at one PNG pixel per CSS pixel
  }

  function isShrunk(img) {
    var shown = img.getBoundingClientRect().width;
    return img.naturalWidth > 0 && shown > 0 && shown < naturalCssWidth(img) - 1;
  }

  function makeDialog() {
    var d = document.createElement("dialog");
    d.className = "benor-zoom";
    d.setAttribute("aria-label", "Figure at full size");
    var bar = document.createElement("div");
    bar.className = "benor-zoom-bar";
    var close = document.createElement("button");
    close.type = "button";
    close.className = "benor-zoom-close";
    close.textContent = "Close \u00d7";
    close.addEventListener("click", function () { d.close(); });
    bar.appendChild(close);
    var pane = document.createElement("div");
    pane.className = "benor-zoom-pane";
    pane.tabIndex = 0; // arrow keys scroll the picture
    d.appendChild(bar);
    d.appendChild(pane);
    d.addEventListener("click", function (event) {
      if (event.target === d) { d.close(); }
    });
    document.body.appendChild(d);
    return d;
  }

  function open(img) {
    if (!dialog) { dialog = makeDialog(); }
    var pane = dialog.querySelector(".benor-zoom-pane");
    pane.textContent = "";
    var big = document.createElement("img");
    big.src = img.currentSrc || img.src;
    big.alt = img.alt || "";
    big.style.width = naturalCssWidth(img) + "px";
    big.style.maxWidth = "none";
    pane.appendChild(big);
    dialog.addEventListener("close", function back() {
      dialog.removeEventListener("close", back);
      img.focus();
    });
    dialog.showModal();
    dialog.querySelector(".benor-zoom-close").focus();
  }

  function update(img) {
    var shrunk = isShrunk(img);
    img.classList.toggle("benor-zoomable", shrunk);
    if (shrunk) {
      img.setAttribute("role", "button");
      img.setAttribute("tabindex", "0");
      img.setAttribute("aria-haspopup", "dialog");
      img.setAttribute("title", "Enlarge the figure");
      img.setAttribute("aria-label", "Enlarge the figure: " + (img.alt || ""));
    } else if (img.hasAttribute("tabindex")) {
      ["role", "tabindex", "aria-haspopup", "title", "aria-label"].forEach(function (a) {
        img.removeAttribute(a);
      });
    }
  }

  function setUp() {
    var images = Array.prototype.slice.call(document.querySelectorAll(SELECTOR));
    images.forEach(function (img) {
      if (img.closest(".animation")) { return; }
      img.addEventListener("click", function () { if (isShrunk(img)) { open(img); } });
      img.addEventListener("keydown", function (event) {
        if ((event.key === "Enter" || event.key === " ") && isShrunk(img)) {
          event.preventDefault();
          open(img);
        }
      });
      if (img.complete) { update(img); } else { img.addEventListener("load", function () { update(img); }); }
    });
    var pending = null;
    window.addEventListener("resize", function () {
      clearTimeout(pending);
      pending = setTimeout(function () { images.forEach(update); }, 150);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
