// Register import (/register/import): the upload's progress while the file is sent, then the
// import's stage, polled from /register/import/{job}/status, until the job's page shows the result.
(function () {
  "use strict";
  var form = document.getElementById("import-form");
  if (form && window.XMLHttpRequest && window.FormData) {
    form.addEventListener("submit", function (event) {
      if (!form.checkValidity()) { return; }
      event.preventDefault();
      var chosen = form.elements.file.files[0], sizeError = document.getElementById("err-size");
      if (chosen && chosen.size > Number(form.getAttribute("data-max-bytes"))) {
        sizeError.textContent = form.getAttribute("data-too-large");
        sizeError.hidden = false;
        form.elements.file.setAttribute("aria-invalid", "true");
        form.elements.file.setAttribute("aria-describedby", "hint-file err-size");
        return;
      }
      var box = document.getElementById("upload-progress");
      var bar = document.getElementById("upload-bar");
      var text = document.getElementById("upload-text");
      var button = form.querySelector("button[type=submit]");
      box.hidden = false;
      button.disabled = true;
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) {
          var pct = Math.round(100 * e.loaded / e.total);
          bar.value = pct;
          text.textContent = pct + " %";
        }
      });
      xhr.addEventListener("load", function () {
        // the server answers 303 to the job's page, which XMLHttpRequest follows
        if (xhr.status === 200 && xhr.responseURL && xhr.responseURL.indexOf("/register/import/") > 0) {
          window.location.assign(xhr.responseURL);
        } else {  // the form again, with its errors
          document.open();
          document.write(xhr.responseText);
          document.close();
        }
      });
      xhr.addEventListener("error", function () {
        button.disabled = false;
        form.submit();  // let the browser send it and show what happens
      });
      xhr.send(new FormData(form));
    });
  }
  var progress = document.getElementById("import-progress");
  if (progress) {
    var url = progress.getAttribute("data-status");
    var stage = document.getElementById("import-stage");
    var ibar = document.getElementById("import-bar");
    var poll = function () {
      fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (s) {
          if (!s) { window.location.reload(); return; }
          ibar.max = s.steps;
          ibar.value = s.step;
          if (stage.textContent !== s.text) { stage.textContent = s.text; }
          if (s.state !== "running") { window.location.reload(); } else { window.setTimeout(poll, 500); }
        })
        .catch(function () { window.setTimeout(poll, 2000); });
    };
    window.setTimeout(poll, 300);
  }
})();
