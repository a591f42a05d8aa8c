// GOV.UK Frontend styles its components differently once it knows JavaScript will run.
document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '');
