// The explorer page (engine/explore.py): show one frame of the forward or backward pass.
// The picture is laid out once; a frame only changes classes and the texts of the boxes.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("page-data").textContent);
  var svg = document.querySelector(".figure svg");
  var count = data.hot.length;

  function byId(id) {
    return document.getElementById(id);
  }

  function mark(element, name, on) {
    if (element) element.classList.toggle(name, on);
  }

  // Everything that belongs to one Value: its box, its operation and the edges into them.
  var boxes = data.nodes.map(function (n, i) {
    var edges = [];
    for (var k = 0; k < data.inputs[i]; k++) edges.push(byId("e" + n + "_" + k));
    var box = {
      parts: [byId("v" + n), byId("op" + n), byId("o" + n)].concat(edges),
      group: byId("v" + n),
      data: byId("v" + n + "d"),
      grad: byId("v" + n + "g"),
    };
    box.finalData = box.data.textContent;
    return box;
  });

  // A box's gradient text at frame f: "?" before the backward pass, then its latest change.
  function gradAt(i, f) {
    var text = f < data.backward ? "?" : "0";
    var changes = data.grads[i];
    for (var c = 0; c < changes.length && changes[c][0] <= f; c++) text = changes[c][1];
    return "grad " + text;
  }

  function show(frame) {
    var backward = frame >= data.backward;
    boxes.forEach(function (box, i) {
      var pending = frame < data.born[i];
      var hot = data.hot[frame] === i;
      box.parts.forEach(function (part) {
        mark(part, "pending", pending);
        mark(part, "hot-f", hot && !backward);
        mark(part, "hot-b", hot && backward);
      });
      box.data.textContent = pending ? "data ?" : box.finalData;
      box.grad.textContent = gradAt(i, frame);
    });
    byId("line").textContent = data.lines[frame];
    byId("status").textContent = data.status[frame];
    byId("counter").textContent = "frame " + (frame + 1) + " of " + count;
  }

  // The path-sum view of a clicked leaf: its paths listed, and drawn in the picture.
  var openLeaf = null;

  // A path is [n0, k0, n1, k1, ..., leaf]: node numbers, and which input of each it enters.
  function light(routes) {
    svg.querySelectorAll(".on-path").forEach(function (element) {
      element.classList.remove("on-path");
    });
    routes.forEach(function (route) {
      for (var j = 0; j < route.length; j += 2) {
        var n = route[j];
        var ids = ["v" + n];
        if (j + 1 < route.length) ids.push("o" + n, "op" + n, "e" + n + "_" + route[j + 1]);
        ids.forEach(function (id) {
          mark(byId(id), "on-path", true);
        });
      }
    });
  }

  function closePaths() {
    openLeaf = null;
    byId("paths").hidden = true;
    svg.classList.remove("paths-open");
    light([]);
  }

  function openPaths(i) {
    if (openLeaf === i) return closePaths();
    openLeaf = i;
    var view = data.paths[i];
    var all = view.paths.map(function (path) {
      return path[1];
    });
    var list = byId("paths-list");
    list.textContent = "";
    view.paths.forEach(function (path) {
      var line = document.createElement("div");
      line.textContent = path[0];
      line.addEventListener("mouseenter", function () {
        light([path[1]]);
      });
      line.addEventListener("mouseleave", function () {
        light(all);
      });
      list.appendChild(line);
    });
    byId("paths-title").textContent = view.title;
    byId("paths-total").textContent = view.total;
    byId("paths").hidden = false;
    svg.classList.add("paths-open");
    light(all);
  }

  Object.keys(data.paths).forEach(function (key) {
    var box = boxes[Number(key)];
    box.group.classList.add("clickable");
    box.group.addEventListener("click", function () {
      openPaths(key);
    });
  });

  byId("paths-close").addEventListener("click", closePaths);
  chainruleControls(count - 1, show, closePaths); // engine/page.js
})();
