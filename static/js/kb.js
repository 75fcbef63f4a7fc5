// Starts the NHS.UK frontend components (header menu, skip link, details...).
// A module script only runs in browsers the NHS.UK frontend supports, so this is also where the
// page is marked as supported; without JavaScript every page still works as plain HTML.
import { initAll } from "../wagtailnhsukfrontend/js/nhsuk-frontend-10.4.2.min.js";

document.body.classList.add("js-enabled", "nhsuk-frontend-supported");
initAll();
