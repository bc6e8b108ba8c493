/* Small progressive enhancements; every page works without them. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function all(selector, root) {
    return Array.prototype.slice.call((root || document).querySelectorAll(selector));
  }

  function onReady(fn) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", fn);
    } else {
      fn();
    }
  }

  // A select that submits its form when changed (language switch, filters).
  function autosubmit() {
    all("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () {
        if (select.form.requestSubmit) { select.form.requestSubmit(); } else { select.form.submit(); }
      });
    });
  }

  // "+ Add another party": copy the formset's empty form and count it.
  function formsets() {
    all("[data-formset-add]").forEach(function (button) {
      var prefix = button.getAttribute("data-formset-add");
      var box = button.closest("fieldset") || document;
      var rows = box.querySelector("[data-formset-rows]");
      var template = box.querySelector("template[data-formset-template]");
      var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
      button.addEventListener("click", function () {
        var index = parseInt(total.value, 10);
        var html = template.innerHTML.replace(/__prefix__/g, String(index));
        var holder = document.createElement("div");
        holder.innerHTML = html;
        var row = holder.firstElementChild;
        rows.appendChild(row);
        total.value = String(index + 1);
        var first = row.querySelector("input:not([type=hidden]), select");
        if (first) { first.focus(); }
      });
    });
  }

  // "+ Add a row" for list fields whose entries have several parts (抽样物品 …).
  function itemTables() {
    all("[data-itemtable-add]").forEach(function (button) {
      var table = button.parentNode.querySelector("table[data-itemtable]");
      button.addEventListener("click", function () {
        var rows = table.querySelectorAll("tr[data-itemrow]");
        var lastRow = rows[rows.length - 1];
        var next = rows.length;
        var copy = lastRow.cloneNode(true);
        all("input, select, textarea", copy).forEach(function (input) {
          input.name = input.name.replace(/-\d+-/, "-" + next + "-");
          if (input.id) { input.id = input.id.replace(/-\d+-/, "-" + next + "-"); }
          input.value = "";
        });
        all(".error", copy).forEach(function (e) { e.parentNode.removeChild(e); });
        lastRow.parentNode.appendChild(copy);
        var first = copy.querySelector("input");
        if (first) { first.focus(); }
      });
    });
  }

  // "Use this device's location": fills latitude and longitude (WGS-84, as GPS gives).
  function locate() {
    all("[data-locate]").forEach(function (button) {
      var box = button.closest("[data-gis]") || button.form;
      var status = box.querySelector("[data-locate-status]");
      if (!navigator.geolocation) { button.hidden = true; return; }
      button.addEventListener("click", function () {
        if (status) { status.textContent = "…"; }
        navigator.geolocation.getCurrentPosition(function (pos) {
          box.querySelector("[name=latitude]").value = pos.coords.latitude.toFixed(6);
          box.querySelector("[name=longitude]").value = pos.coords.longitude.toFixed(6);
          var datum = box.querySelector("[name=datum]");
          if (datum) { datum.value = "WGS-84"; }
          if (status) { status.textContent = "± " + Math.round(pos.coords.accuracy) + " m"; }
        }, function (err) {
          if (status) { status.textContent = err.message; }
        }, { enableHighAccuracy: true, timeout: 15000 });
      });
    });
  }

  // Show only the parts of a form that apply to the chosen value.
  function conditional(formSelector, fieldName, attr) {
    all(formSelector).forEach(function (form) {
      var parts = all("[" + attr + "]", form);
      function update() {
        var checked = form.querySelector("[name=" + fieldName + "]:checked");
        var value = checked ? checked.value : "";
        parts.forEach(function (part) {
          var values = part.getAttribute(attr).split(" ");
          part.hidden = values.indexOf(value) < 0;
        });
      }
      all("[name=" + fieldName + "]", form).forEach(function (input) {
        input.addEventListener("change", update);
      });
      update();
    });
  }

  // On the sign page an officer-side role is signed by the login itself, in its own name.
  function officerRoles() {
    all("[data-sign-form]").forEach(function (form) {
      var roles = (form.getAttribute("data-officer-roles") || "").split(",");
      var name = form.getAttribute("data-officer-name") || "";
      var role = form.querySelector("[name=signer_role]");
      var signer = form.querySelector("[name=signer_name]");
      if (!role || !signer) { return; }
      var typed = null;  // what was typed for the party side, given back when switching back
      function update() {
        var isOfficer = roles.indexOf(role.value) >= 0;
        if (isOfficer && !signer.readOnly) {
          typed = signer.value;
          signer.value = name;
        } else if (!isOfficer && signer.readOnly) {
          signer.value = typed || "";
        }
        signer.readOnly = isOfficer;
        all("[name=status]", form).forEach(function (radio) {
          if (radio.value !== "signed") { radio.disabled = isOfficer; }
          if (isOfficer && radio.value === "signed" && !radio.checked) {
            radio.checked = true;
            radio.dispatchEvent(new Event("change", { bubbles: true }));
          }
        });
      }
      role.addEventListener("change", update);
      update();
    });
  }

  // Forms whose effect is hard to undo ask first.
  function confirmations() {
    all("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });
  }

  function focusError() {
    var error = document.querySelector("[data-focus]");
    if (error) {
      var details = error.closest("section");
      if (details) { details.scrollIntoView({ block: "start" }); }
      error.focus({ preventScroll: true });
    }
  }

  onReady(function () {
    autosubmit();
    formsets();
    itemTables();
    locate();
    conditional("[data-sign-form]", "status", "data-when-status");
    conditional("[data-service-form]", "method", "data-when-method");
    officerRoles();
    confirmations();
    focusError();
  });
})();
