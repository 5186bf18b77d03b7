// The controls every page shares (engine/page.py): the buttons First, Previous, Next and Last,
// the slider, and the keys ← → Home End. chainruleControls(last, show, escape) shows frame 0
// now and frame i (from 0 to last) whenever asked; Escape calls escape().
function chainruleControls(last, show, escape) {
  "use strict";
  var slider = document.getElementById("slider");
  var current = 0;

  function button(id, target) {
    document.getElementById(id).addEventListener("click", function () {
      go(target());
    });
  }

  function go(i) {
    current = Math.max(0, Math.min(last, i));
    show(current);
    slider.value = String(current);
    document.getElementById("first").disabled = current === 0;
    document.getElementById("previous").disabled = current === 0;
    document.getElementById("next").disabled = current === last;
    document.getElementById("last").disabled = current === last;
  }

  button("first", function () {
    return 0;
  });
  button("previous", function () {
    return current - 1;
  });
  button("next", function () {
    return current + 1;
  });
  button("last", function () {
    return last;
  });
  slider.max = String(last);
  slider.addEventListener("input", function () {
    go(Number(slider.value));
  });
  document.addEventListener("keydown", function (event) {
    if (event.target === slider && event.key !== "Escape") return; // the slider moves itself
    var moves = { ArrowRight: current + 1, ArrowLeft: current - 1, Home: 0, End: last };
    if (event.key in moves) {
      go(moves[event.key]);
    } else if (event.key === "Escape") {
      escape();
    } else {
      return;
    }
    event.preventDefault();
  });
  go(0);
}
