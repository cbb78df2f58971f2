/* The learner's side of the green-skills module block. jQuery's $.ajax carries the
   CSRF token the LMS (and the workbench) require; answers are graded on the server. */
function GreenSkillsModuleStudent(runtime, element) {
  "use strict";
  var $root = $(element);

  function post(handler, data) {
    return $.ajax({
      type: "POST",
      url: runtime.handlerUrl(element, handler),
      data: JSON.stringify(data),
      contentType: "application/json; charset=utf-8",
      dataType: "json"
    });
  }

  function showError(xhr) {
    var message = (xhr.responseJSON && xhr.responseJSON.error) || xhr.statusText || "error";
    $root.find(".gsm-error").text(message).prop("hidden", false);
  }

  function answerOf($fieldset) {
    var kind = $fieldset.data("kind");
    if (kind === "multiple_choice") {
      return $fieldset.find("input:checked").map(function () { return this.value; }).get();
    }
    var $input = kind === "numeric" ? $fieldset.find("input") : $fieldset.find("input:checked");
    if (!$input.length || $input.val() === "") { return undefined; }
    if (kind === "true_false") { return $input.val() === "true"; }
    if (kind === "numeric") { return Number($input.val()); }
    return $input.val();
  }

  $root.find(".gsm-item").on("change", function () {
    var $fieldset = $(this);
    var answer = answerOf($fieldset);
    if (answer === undefined || (typeof answer === "number" && !isFinite(answer))) { return; }
    post("save_answer", {item: String($fieldset.data("item")), answer: answer}).fail(showError);
  });

  $root.find(".gsm-submit").on("click", function () {
    var answers = {};
    $root.find(".gsm-item").each(function () {
      var answer = answerOf($(this));
      if (answer !== undefined && !(typeof answer === "number" && !isFinite(answer))) {
        answers[String($(this).data("item"))] = answer;
      }
    });
    $(this).prop("disabled", true);
    post("submit", {answers: answers})
      .done(function () { window.location.reload(); })
      .fail(function (xhr) { $root.find(".gsm-submit").prop("disabled", false); showError(xhr); });
  });

  $root.find(".gsm-retake").on("click", function () {
    post("retake", {}).done(function () { window.location.reload(); }).fail(showError);
  });

  $root.find("select[name=gsm-language]").on("change", function () {
    post("set_language", {language: this.value})
      .done(function () { window.location.reload(); })
      .fail(showError);
  });

  var $staff = $root.find(".gsm-staff");
  if (!$staff.length) { return; }

  function cell(text) { return $("<td>").text(text); }

  function loadResults() {
    var centre = $staff.find("select[name=gsm-centre]").val() || null;
    var csv = $staff.data("csv-url");
    var joiner = csv.indexOf("?") >= 0 ? "&" : "?";
    $staff.find(".gsm-csv").attr("href", centre ? csv + joiner + "centre=" + encodeURIComponent(centre) : csv);
    post("staff_results", {centre: centre}).done(function (data) {
      var $select = $staff.find("select[name=gsm-centre]");
      var chosen = $select.val();
      $select.find("option:not(:first)").remove();
      $.each(data.centres, function (_, name) { $select.append($("<option>").val(name).text(name)); });
      $select.val(chosen);
      var $body = $staff.find("tbody").empty();
      $.each(data.rows, function (_, row) {
        $body.append($("<tr>").append(cell(row.route), cell(row.centre), cell(row.learner),
          cell(row.module_version), cell(row.score_percent + "%"), cell(row.passed ? "✓" : "✗"),
          cell(row.submitted), cell(row.credential_state)));
      });
      $staff.find(".gsm-hub-problem").text(data.hub_problem).prop("hidden", !data.hub_problem);
      renderAwaiting(data);
    }).fail(showError);
  }

  function renderAwaiting(data) {
    var $box = $staff.find(".gsm-awaiting");
    var $list = $box.find(".gsm-awaiting-list").empty();
    $box.prop("hidden", !data.awaiting_practical.length || !data.checklist.length);
    $.each(data.awaiting_practical, function (_, learner) {
      var $form = $("<form>").attr("onsubmit", "return false").append($("<h5>").text(learner.learner));
      $.each(data.checklist, function (_, criterion) {
        var $select = $("<select>").attr("name", criterion.id);
        $.each(criterion.levels, function (_, score) { $select.append($("<option>").val(score).text(score)); });
        $form.append($("<label>").text(criterion.text + " ").append($select), $("<br>"));
      });
      var $save = $("<button type=button>").text($box.find(".gsm-save-label").html());
      $save.on("click", function () {
        var scores = {};
        $form.find("select").each(function () { scores[this.name] = Number(this.value); });
        post("score_checklist", {subject: learner.subject, scores: scores}).done(loadResults).fail(showError);
      });
      $list.append($form.append($save));
    });
  }

  $staff.find("select[name=gsm-centre]").on("change", loadResults);
  loadResults();
}
