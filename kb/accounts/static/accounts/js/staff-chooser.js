// kb.accounts.widgets.StaffChooser: "Choose staff" opens the staff chooser modal (Wagtail's
// ModalWorkflow and chooser modal handlers, several at once) and adds each account it returns
// as a ticked checkbox. Names and emails are set as text, never as markup.
(function () {
  'use strict';

  function addPerson(root, person) {
    var list = root.querySelector('[data-staff-chooser-list]');
    var id = String(person.id);
    var inputs = list.querySelectorAll('input[type="checkbox"]');
    for (var i = 0; i < inputs.length; i += 1) {
      if (inputs[i].value === id) {
        inputs[i].checked = true;
        return;
      }
    }
    var item = document.createElement('li');
    var label = document.createElement('label');
    var input = document.createElement('input');
    input.type = 'checkbox';
    input.name = root.dataset.name;
    input.value = id;
    input.checked = true;
    var text = ' ' + (person.title || '');
    if (person.email && person.email !== person.title) {
      text += ' (' + person.email + ')';
    }
    label.appendChild(input);
    label.appendChild(document.createTextNode(text));
    item.appendChild(label);
    list.appendChild(item);
    root.querySelector('[data-staff-chooser-empty]').hidden = true;
    root.querySelector('[data-staff-chooser-hint]').hidden = false;
    input.dispatchEvent(new Event('change', { bubbles: true }));
  }

  function openChooser(root) {
    window.ModalWorkflow({
      url: root.dataset.chooserUrl,
      urlParams: { multiple: 1 },
      onload: new window.ChooserModalOnloadHandlerFactory().getOnLoadHandlers(),
      responses: {
        chosen: function (result) {
          [].concat(result).forEach(function (person) {
            addPerson(root, person);
          });
        },
      },
      onError: function () {
        window.alert('The list of staff could not be opened. Try again.');
      },
    });
  }

  function init(root) {
    if (root.dataset.staffChooserReady) {
      return;
    }
    root.dataset.staffChooserReady = 'true';
    root.querySelector('[data-staff-chooser-open]').addEventListener('click', function () {
      openChooser(root);
    });
  }

  function initAll() {
    document.querySelectorAll('[data-staff-chooser]').forEach(init);
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', initAll);
  } else {
    initAll();
  }
})();
