/* Studio editing of the green-skills module block: the save handler checks every value. */
function GreenSkillsModuleStudio(runtime, element) {
  "use strict";
  var $root = $(element);

  $root.find(".gsm-save").on("click", function () {
    var threshold = $root.find("input[name=pass_threshold]").val();
    var data = {
      display_name: $root.find("input[name=display_name]").val(),
      module_id: $root.find("select[name=module_id]").val(),
      pass_threshold: threshold === "" ? null : Number(threshold),
      languages: $root.find("input[name=languages]:checked").map(function () { return this.value; }).get()
    };
    if (runtime.notify) { runtime.notify("save", {state: "start"}); }
    $.ajax({
      type: "POST",
      url: runtime.handlerUrl(element, "studio_submit"),
      data: JSON.stringify(data),
      contentType: "application/json; charset=utf-8",
      dataType: "json"
    }).done(function () {
      if (runtime.notify) { runtime.notify("save", {state: "end"}); }
    }).fail(function (xhr) {
      var message = (xhr.responseJSON && xhr.responseJSON.error) || xhr.statusText;
      $root.find(".gsm-error").text(message).prop("hidden", false);
      if (runtime.notify) { runtime.notify("error", {title: "Save failed", message: message}); }
    });
  });

  $root.find(".gsm-cancel").on("click", function () {
    if (runtime.notify) { runtime.notify("cancel", {}); }
  });
}
