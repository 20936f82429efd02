// Ingot's web: passkeys (WebAuthn) for the holder's pages, loaded from
// this host (no inline script, nothing from another host).
//
// A form with data-webauthn-get holds a passkey assertion's options (the
// API's JSON, binary fields in base64url): sending it asks the browser
// for the passkey (navigator.credentials.get), puts the answer in the
// form's "credential" field as JSON and sends the form (sign-in, or the
// approval of a payment).
//
// A form with data-webauthn-create names the address of a passkey's
// creation options: sending it fetches them (a POST with the form's CSRF
// token), asks the browser to make a passkey
// (navigator.credentials.create), puts the answer in "credential" and
// sends the form.
(function () {
  "use strict";

  function fromB64url(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) { s += "="; }
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { out[i] = bin.charCodeAt(i); }
    return out.buffer;
  }

  function toB64url(buf) {
    if (!buf) { return null; }
    var bytes = new Uint8Array(buf), bin = "";
    for (var i = 0; i < bytes.length; i++) { bin += String.fromCharCode(bytes[i]); }
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (c) {
      var d = { type: c.type, id: fromB64url(c.id) };
      if (c.transports) { d.transports = c.transports; }
      return d;
    });
  }

  // getOptions turns the API's assertion options into what
  // navigator.credentials.get takes.
  function getOptions(o) {
    var pk = Object.assign({}, o.publicKey || o);
    pk.challenge = fromB64url(pk.challenge);
    pk.allowCredentials = descriptors(pk.allowCredentials);
    return { publicKey: pk };
  }

  // createOptions turns the API's creation options into what
  // navigator.credentials.create takes.
  function createOptions(o) {
    var pk = Object.assign({}, o.publicKey || o);
    pk.challenge = fromB64url(pk.challenge);
    pk.user = Object.assign({}, pk.user, { id: fromB64url(pk.user.id) });
    pk.excludeCredentials = descriptors(pk.excludeCredentials);
    return { publicKey: pk };
  }

  function common(cred) {
    return {
      id: cred.id,
      rawId: toB64url(cred.rawId),
      type: cred.type,
      authenticatorAttachment: cred.authenticatorAttachment || undefined,
      clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {}
    };
  }

  function assertionJSON(cred) {
    var j = common(cred), r = cred.response;
    j.response = {
      clientDataJSON: toB64url(r.clientDataJSON),
      authenticatorData: toB64url(r.authenticatorData),
      signature: toB64url(r.signature),
      userHandle: toB64url(r.userHandle)
    };
    return JSON.stringify(j);
  }

  function attestationJSON(cred) {
    var j = common(cred), r = cred.response;
    j.response = {
      clientDataJSON: toB64url(r.clientDataJSON),
      attestationObject: toB64url(r.attestationObject),
      transports: r.getTransports ? r.getTransports() : []
    };
    return JSON.stringify(j);
  }

  function fail(form, text) {
    var p = form.querySelector(".passkey-error");
    if (p) {
      p.textContent = text || form.getAttribute("data-failed") || "";
      p.hidden = false;
    }
    var b = form.querySelector("button");
    if (b) { b.disabled = false; }
  }

  function send(form, json) {
    form.querySelector('input[name="credential"]').value = json;
    form.submit(); // does not fire "submit" again
  }

  function supported() {
    return !!(window.PublicKeyCredential && navigator.credentials);
  }

  Array.prototype.forEach.call(document.querySelectorAll("form[data-webauthn-get]"), function (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      if (!supported()) { fail(form, form.getAttribute("data-unsupported")); return; }
      var opts;
      try { opts = getOptions(JSON.parse(form.getAttribute("data-webauthn-get"))); } catch (e) { fail(form); return; }
      form.querySelector("button").disabled = true;
      navigator.credentials.get(opts)
        .then(function (cred) { send(form, assertionJSON(cred)); })
        .catch(function () { fail(form); });
    });
    form.setAttribute("data-ready", "1");
  });

  Array.prototype.forEach.call(document.querySelectorAll("form[data-webauthn-create]"), function (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      if (!supported()) { fail(form, form.getAttribute("data-unsupported")); return; }
      form.querySelector("button").disabled = true;
      var body = new URLSearchParams();
      body.set("csrf_token", form.querySelector('input[name="csrf_token"]').value);
      fetch(form.getAttribute("data-webauthn-create"), {
        method: "POST", credentials: "same-origin", body: body,
        headers: { "Accept": "application/json" }
      })
        .then(function (r) { if (!r.ok) { throw new Error("options " + r.status); } return r.json(); })
        .then(function (o) { return navigator.credentials.create(createOptions(o)); })
        .then(function (cred) { send(form, attestationJSON(cred)); })
        .catch(function () { fail(form); });
    });
    form.setAttribute("data-ready", "1");
  });
})();
