// Paper ballot entry: typing a digit on a rating picks that answer (arrows and clicks work without this).
document.getElementById("ballot").addEventListener("keydown", function (e) {
  var t = e.target;
  if (t.type !== "radio" || e.altKey || e.ctrlKey || e.metaKey || !/^[0-9]$/.test(e.key)) return;
  var pick = t.form.querySelector('input[type=radio][name="' + t.name + '"][data-key="' + e.key + '"]');
  if (pick) { pick.checked = true; pick.focus(); e.preventDefault(); }
});
