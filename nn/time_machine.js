// The training time machine (nn/time_machine.py): show the run after one epoch.
// The network is laid out once; an epoch recolours its edges and rewrites its biases,
// recolours the decision boundary's cells and moves the markers on the curves.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("page-data").textContent);
  var SVG = "http://www.w3.org/2000/svg";
  var last = data.epochs;
  var epoch = 0;
  var chosen = null;

  function byId(id) {
    return document.getElementById(id);
  }

  // x to `digits` significant digits, the way Python's format(x, ".4g") writes it.
  function fmt(x, digits) {
    if (typeof x === "string") return x; // "inf", "nan": JSON has no such numbers
    if (x === 0) return "0";
    var exponent = Math.floor(Math.log10(Math.abs(x)));
    var text = exponent < -4 || exponent >= digits ? x.toExponential(digits - 1) : x.toPrecision(digits);
    var parts = text.split("e");
    var mantissa = parts[0].indexOf(".") >= 0 ? parts[0].replace(/0+$/, "").replace(/\.$/, "") : parts[0];
    if (parts.length === 1) return mantissa;
    var power = Number(parts[1]);
    return mantissa + "e" + (power < 0 ? "-" : "+") + String(Math.abs(power)).padStart(2, "0");
  }

  // -- the network: one edge per weight (id p<k>), one box per neuron (id L<l>N<j>)
  var edges = data.weights.map(function (k) {
    var edge = byId("p" + k);
    if (edge) {
      var path = edge.querySelector("path");
      var hit = path.cloneNode(false); // a wide invisible copy, easy to click
      hit.setAttribute("class", "hit");
      edge.insertBefore(hit, edge.firstChild);
      edge.addEventListener("click", function () {
        choose(k, edge);
      });
    }
    return edge;
  });
  data.biases.forEach(function (entry) {
    var box = byId(entry[0]);
    if (box) {
      box.addEventListener("click", function () {
        choose(entry[1][0], box);
      });
    }
  });

  function paintNetwork(values) {
    var largest = data.largest || 1;
    data.weights.forEach(function (k, i) {
      var edge = edges[i];
      if (!edge) return;
      var w = values[k];
      var colour = w > 0 ? data.colours[0] : w < 0 ? data.colours[1] : data.colours[2];
      var width = data.pen[0] + ((data.pen[1] - data.pen[0]) * Math.abs(w)) / largest;
      edge.querySelectorAll("path:not(.hit), polygon").forEach(function (part) {
        part.setAttribute("stroke", colour);
        part.setAttribute("stroke-width", width.toFixed(3));
        if (part.tagName === "polygon") part.setAttribute("fill", colour);
      });
      var label = edge.querySelector("text");
      if (label) {
        label.textContent = fmt(w, data.digits);
        label.setAttribute("fill", colour);
      }
    });
    data.biases.forEach(function (entry) {
      var box = byId(entry[0]);
      if (!box) return;
      var texts = box.querySelectorAll("text");
      if (texts.length < 2) return;
      texts[1].textContent =
        "b = " +
        entry[1]
          .map(function (k) {
            return fmt(values[k], data.digits);
          })
          .join(" | ");
    });
  }

  // -- the decision boundary: one rect per cell, a class digit per cell and epoch
  var cells = byId("cells") ? byId("cells").children : [];

  function paintBoundary(e) {
    if (!data.boundary) return;
    var grid = data.boundary[e];
    for (var i = 0; i < cells.length; i++) {
      cells[i].setAttribute("fill", data.cells[(grid.charCodeAt(i) - 48) % data.cells.length]);
    }
  }

  // -- the curves: a dashed marker at the epoch, a dot on each curve
  function paintCurves(e) {
    Object.keys(data.scales).forEach(function (name) {
      var s = data.scales[name];
      var marker = byId("marker-" + name);
      var x = s.x0 + (e - 1) * s.dx;
      marker.setAttribute("x1", x);
      marker.setAttribute("x2", x);
      marker.style.display = e === 0 ? "none" : "";
      s.keys.forEach(function (key) {
        var dot = byId("dot-" + key);
        var v = data.history[key][e - 1];
        var hidden = e === 0 || typeof v === "string"; // before training, or inf / nan
        dot.style.display = hidden ? "none" : "";
        dot.setAttribute("cx", hidden ? 0 : x); // the same attributes whenever it is hidden
        dot.setAttribute("cy", hidden ? 0 : s.y0 - (v - s.low) * s.ky);
      });
    });
  }

  function readout(e) {
    if (e === 0) return "the model before training";
    var h = data.history;
    var parts = ["loss " + fmt(h.loss[e - 1], 4)];
    if (h.accuracy) parts.push("accuracy " + (100 * h.accuracy[e - 1]).toFixed(1) + "%");
    if (h.val_loss) parts.push("validation loss " + fmt(h.val_loss[e - 1], 4));
    if (h.val_accuracy) parts.push("validation accuracy " + (100 * h.val_accuracy[e - 1]).toFixed(1) + "%");
    return parts.join(" · ");
  }

  // -- one parameter over the run: its value after each epoch, its gradient in each epoch
  function element(name, attributes, text) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attributes).forEach(function (key) {
      node.setAttribute(key, attributes[key]);
    });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function panel(chart, left, title, series, first, kind) {
    var width = 290, top = 22, height = 118, x0 = left + 44;
    var low = Math.min.apply(null, series.concat([0]));
    var high = Math.max.apply(null, series.concat([0]));
    if (high === low) high = low + 1;
    var dx = (width - 50) / Math.max(1, series.length - 1);
    var y = function (v) {
      return top + height - ((v - low) / (high - low)) * height;
    };
    chart.appendChild(element("text", { x: left + 4, y: 12, class: "param" }, title));
    chart.appendChild(element("line", { x1: x0, y1: top, x2: x0, y2: top + height, class: "axis" }));
    chart.appendChild(element("line", { x1: x0, y1: y(0), x2: x0 + (series.length - 1) * dx, y2: y(0), class: "grid" }));
    [low, high].forEach(function (v) {
      chart.appendChild(element("text", { x: x0 - 4, y: y(v) + 4, "text-anchor": "end", class: "param" }, fmt(v, 3)));
    });
    var points = series.map(function (v, i) {
      return (x0 + i * dx).toFixed(1) + "," + y(v).toFixed(1);
    });
    chart.appendChild(element("polyline", { points: points.join(" "), class: "param " + kind }));
    var at = epoch - first;
    if (at >= 0 && at < series.length) {
      var x = x0 + at * dx;
      chart.appendChild(element("line", { x1: x, y1: top, x2: x, y2: top + height, class: "marker" }));
      chart.appendChild(element("circle", { cx: x, cy: y(series[at]), r: 3.5, class: "dot", stroke: "#111827" }));
    }
  }

  function paintParameter() {
    if (chosen === null) return;
    var k = chosen.k;
    var values = data.values.map(function (row) {
      return row[k];
    });
    var gradients = data.gradients.map(function (row) {
      return row[k];
    });
    var chart = byId("parameter-chart");
    chart.textContent = "";
    panel(chart, 0, "value after each epoch (0: before training)", values, 0, "value");
    panel(chart, 330, "gradient in each epoch (its last step)", gradients, 1, "gradient");
    var text = "after epoch " + epoch + ": value " + fmt(values[epoch], 4);
    if (epoch > 0) text += ", gradient in epoch " + epoch + ": " + fmt(gradients[epoch - 1], 4);
    byId("parameter-readout").textContent = text;
  }

  function choose(k, target) {
    if (chosen) chosen.target.classList.remove("chosen");
    if (chosen && chosen.k === k) return close();
    chosen = { k: k, target: target };
    target.classList.add("chosen");
    byId("parameter-title").textContent = data.labels[k] + " (" + data.names[k] + ")";
    byId("parameter").hidden = false;
    paintParameter();
  }

  function close() {
    if (chosen) chosen.target.classList.remove("chosen");
    chosen = null;
    byId("parameter").hidden = true;
  }

  function show(e) {
    epoch = e;
    paintNetwork(data.values[epoch]);
    paintBoundary(epoch);
    paintCurves(epoch);
    paintParameter();
    byId("epoch").textContent = epoch === 0 ? "Epoch 0 of " + last + ":" : "Epoch " + epoch + " of " + last + ":";
    byId("readout").textContent = readout(epoch);
  }

  byId("parameter-close").addEventListener("click", close);
  chainruleControls(last, show, close); // engine/page.js
})();
