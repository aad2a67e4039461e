// Questionnaire editor: ↑ and ↓ beside each numbered option row move it and renumber the rows.
// Without JavaScript the numbers do the same when the draft is saved.
(function () {
  "use strict";
  function renumber(list) {
    var n = 1;
    list.querySelectorAll(":scope > li").forEach(function (li) {
      var order = li.querySelector(".row-order input");
      if (order) { order.value = n; n += 1; }
    });
  }
  document.querySelectorAll("ol.option-rows").forEach(function (list) {
    list.querySelectorAll(":scope > li").forEach(function (li) {
      var order = li.querySelector(".row-order");
      if (!order) { return; }
      [["↑", "up"], ["↓", "down"]].forEach(function (pair) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "move-row";
        button.textContent = pair[0];
        button.setAttribute("aria-label", list.dataset[pair[1]] || pair[1]);
        button.addEventListener("click", function () {
          var other = pair[1] === "up" ? li.previousElementSibling : li.nextElementSibling;
          if (!other || !other.querySelector(".row-order")) { return; }
          if (pair[1] === "up") { list.insertBefore(li, other); } else { list.insertBefore(other, li); }
          renumber(list);
          button.focus();
        });
        order.appendChild(button);
      });
    });
  });
})();
