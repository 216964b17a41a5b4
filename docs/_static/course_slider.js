/* The course experiment's slider (docs/course_slider.py writes the data into the page).
 *
 * Draws one snapshot of Linear(1, w) -> ReLU -> Linear(w, 1) as an SVG: the training data (grey
 * dots), the truth (dashed), every hidden unit's piece w2*max(0, w1*x + b1) (thin), the fit (red)
 * and each unit's elbow -b1/w1 on the fit (hollow when the unit is dead on the training data).
 * All these curves are piecewise linear, so each is drawn exactly through its kinks.
 * No server or kernel: the weights of every snapshot are in the page.
 */
(function () {
  "use strict";
  var SVG_NS = "http://www.w3.org/2000/svg";
  var COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
  var BOX = {left: 56, right: 624, top: 52, bottom: 340};
  var Y_MIN = -1.6, Y_MAX = 1.6;

  function sx(x) { return BOX.left + x * (BOX.right - BOX.left); }
  function sy(y) { return BOX.bottom - (y - Y_MIN) / (Y_MAX - Y_MIN) * (BOX.bottom - BOX.top); }

  function add(parent, name, attributes, text) {
    var node = document.createElementNS(SVG_NS, name);
    Object.keys(attributes || {}).forEach(function (key) { node.setAttribute(key, attributes[key]); });
    if (text !== undefined) { node.textContent = text; }
    parent.appendChild(node);
    return node;
  }

  function relu(value) { return value > 0 ? value : 0; }

  /* The weights of one snapshot, and the functions of x they define. */
  function Snapshot(run, index) {
    this.w1 = run.w1[index]; this.b1 = run.b1[index]; this.w2 = run.w2[index]; this.b2 = run.b2[index];
  }
  Snapshot.prototype.unit = function (j, x) { return this.w2[j] * relu(this.w1[j] * x + this.b1[j]); };
  Snapshot.prototype.fit = function (x) {
    var y = this.b2;
    for (var j = 0; j < this.w1.length; j++) { y += this.unit(j, x); }
    return y;
  };
  Snapshot.prototype.elbow = function (j) { return this.w1[j] === 0 ? NaN : -this.b1[j] / this.w1[j]; };
  Snapshot.prototype.isDead = function (j, xs) {  // zero on every training point
    for (var i = 0; i < xs.length; i++) { if (this.w1[j] * xs[i] + this.b1[j] > 0) { return false; } }
    return true;
  };

  function inside(x) { return isFinite(x) && x > 0 && x < 1; }

  function points(xs, f) {
    return xs.map(function (x) { return sx(x).toFixed(1) + "," + sy(f(x)).toFixed(1); }).join(" ");
  }

  function drawAxes(svg) {
    add(svg, "rect", {x: BOX.left, y: BOX.top, width: BOX.right - BOX.left, height: BOX.bottom - BOX.top,
                      fill: "#fff", stroke: "#999"});
    [0, 0.2, 0.4, 0.6, 0.8, 1].forEach(function (x) {
      add(svg, "line", {x1: sx(x), x2: sx(x), y1: BOX.bottom, y2: BOX.bottom + 5, stroke: "#666"});
      add(svg, "text", {x: sx(x), y: BOX.bottom + 20, "text-anchor": "middle"}, String(x));
    });
    [-1.5, -1, -0.5, 0, 0.5, 1, 1.5].forEach(function (y) {
      add(svg, "line", {x1: BOX.left - 5, x2: BOX.left, y1: sy(y), y2: sy(y), stroke: "#666"});
      add(svg, "text", {x: BOX.left - 8, y: sy(y) + 4, "text-anchor": "end"}, String(y));
    });
    add(svg, "text", {x: (BOX.left + BOX.right) / 2, y: BOX.bottom + 38, "text-anchor": "middle"}, "input x");
    add(svg, "text", {x: 14, y: (BOX.top + BOX.bottom) / 2, "text-anchor": "middle",
                      transform: "rotate(-90 14 " + (BOX.top + BOX.bottom) / 2 + ")"}, "output y");
  }

  function drawLegend(svg) {
    var y = 40, x = BOX.left;
    function entry(width, draw, label) {
      draw(x, y);
      add(svg, "text", {x: x + width + 4, y: y + 4}, label);
      x += width + 10 + 7.5 * label.length;
    }
    entry(6, function (x0, y0) { add(svg, "circle", {cx: x0 + 3, cy: y0, r: 2.2, fill: "#8c8c8c"}); }, "data");
    entry(22, function (x0, y0) {
      add(svg, "line", {x1: x0, x2: x0 + 22, y1: y0, y2: y0, stroke: "#000", "stroke-dasharray": "5 3"});
    }, "truth");
    entry(22, function (x0, y0) {
      add(svg, "line", {x1: x0, x2: x0 + 22, y1: y0, y2: y0, stroke: "#d62728", "stroke-width": 2.5});
    }, "fit");
    entry(22, function (x0, y0) {
      add(svg, "line", {x1: x0, x2: x0 + 22, y1: y0, y2: y0, stroke: COLORS[0], "stroke-width": 1});
    }, "one unit's piece");
    entry(8, function (x0, y0) { add(svg, "circle", {cx: x0 + 4, cy: y0, r: 4, fill: COLORS[2]}); }, "elbow");
    entry(8, function (x0, y0) {
      add(svg, "circle", {cx: x0 + 4, cy: y0, r: 4, fill: "none", stroke: COLORS[2], "stroke-width": 1.5});
    }, "elbow of a dead unit");
  }

  function draw(figure, data, mode, index) {
    var run = data.modes[mode];
    var snapshot = new Snapshot(run, index);
    var svg = figure.querySelector("svg.course-slider-plot");
    while (svg.firstChild) { svg.removeChild(svg.firstChild); }
    svg.setAttribute("font-size", "13");
    svg.setAttribute("font-family", "sans-serif");
    var clipId = figure.getAttribute("data-clip-id");
    var clip = add(add(svg, "defs"), "clipPath", {id: clipId});
    add(clip, "rect", {x: BOX.left, y: BOX.top, width: BOX.right - BOX.left, height: BOX.bottom - BOX.top});
    drawAxes(svg);
    drawLegend(svg);
    var plot = add(svg, "g", {"clip-path": "url(#" + clipId + ")"});

    data.x.forEach(function (x, i) {
      add(plot, "circle", {cx: sx(x).toFixed(1), cy: sy(data.y[i]).toFixed(1), r: 2.2, fill: "#8c8c8c"});
    });
    var knotXs = data.knots.map(function (_, k) { return k / 10; });
    add(plot, "polyline", {points: points(knotXs, function (x) { return data.knots[Math.round(10 * x)]; }),
                           fill: "none", stroke: "#000", "stroke-dasharray": "5 3"});

    var width = snapshot.w1.length, kinks = [0, 1], dead = 0;
    for (var j = 0; j < width; j++) {
      var e = snapshot.elbow(j);
      var xs = inside(e) ? [0, e, 1] : [0, 1];
      if (inside(e)) { kinks.push(e); }
      add(plot, "polyline", {points: points(xs, snapshot.unit.bind(snapshot, j)), fill: "none",
                             stroke: COLORS[j % 10], "stroke-width": 1, opacity: 0.75});
    }
    kinks.sort(function (a, b) { return a - b; });
    add(plot, "polyline", {"class": "course-slider-fit", points: points(kinks, snapshot.fit.bind(snapshot)),
                           fill: "none", stroke: "#d62728", "stroke-width": 2.5});
    for (j = 0; j < width; j++) {
      e = snapshot.elbow(j);
      var isDead = snapshot.isDead(j, data.x);
      dead += isDead ? 1 : 0;
      if (!inside(e)) { continue; }
      add(plot, "circle", {cx: sx(e).toFixed(1), cy: sy(snapshot.fit(e)).toFixed(1), r: 4,
                           fill: isDead ? "none" : COLORS[j % 10], stroke: COLORS[j % 10], "stroke-width": 1.5});
    }
    var title = run.label + " (lr " + run.lr + "), step " + run.steps[index].toLocaleString("en-US") + ": test MSE " +
                run.test_mse[index].toFixed(4) + ", " + dead + " dead unit" + (dead === 1 ? "" : "s");
    add(svg, "text", {x: (BOX.left + BOX.right) / 2, y: 18, "text-anchor": "middle", "font-size": 15,
                      "class": "course-slider-title"}, title);
    figure.querySelector(".course-slider-caption").textContent =
      "Snapshot " + (index + 1) + " of " + run.steps.length + ". Seed " + data.seed + ", width " + data.width +
      "; the closed-form ridge fit of the output layer on the initial units reaches test MSE " +
      data.ridge_mse.toFixed(4) + ".";
  }

  function setUp(figure, number) {
    if (figure.getAttribute("data-ready")) { return; }
    figure.setAttribute("data-ready", "1");
    figure.setAttribute("data-clip-id", "course-slider-clip-" + number);
    var data = JSON.parse(figure.querySelector("script.course-slider-data").textContent);
    var slider = figure.querySelector("input[type=range]");
    var menu = figure.querySelector("select");
    function update() { draw(figure, data, menu.value, Number(slider.value)); }
    slider.addEventListener("input", update);
    menu.addEventListener("change", update);
    update();
  }

  Array.prototype.forEach.call(document.querySelectorAll("figure.course-slider"), setUp);
})();
