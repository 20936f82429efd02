// "Prove a transfer", checked in this browser, independently of the
// server: the checkpoint's Ed25519 signature (a C2SP signed note) with the
// pinned log key, and the transfer's RFC 6962 inclusion proof against the
// checkpoint's root, both with WebCrypto. The server only supplies the
// data (leaf, proof, checkpoint); a wrong byte anywhere fails the check.
(function () {
  "use strict";
  var form = document.getElementById("prove");
  if (!form) { return; }
  var out = document.getElementById("proof-result");
  var enc = new TextEncoder();

  function b64(s) {
    var bin = atob(s.trim());
    var b = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { b[i] = bin.charCodeAt(i); }
    return b;
  }
  function cat() {
    var n = 0, i;
    for (i = 0; i < arguments.length; i++) { n += arguments[i].length; }
    var r = new Uint8Array(n), o = 0;
    for (i = 0; i < arguments.length; i++) { r.set(arguments[i], o); o += arguments[i].length; }
    return r;
  }
  function sha256(b) { return crypto.subtle.digest("SHA-256", b).then(function (h) { return new Uint8Array(h); }); }
  function same(a, b) {
    if (a.length !== b.length) { return false; }
    var d = 0;
    for (var i = 0; i < a.length; i++) { d |= a[i] ^ b[i]; }
    return d === 0;
  }
  function fail(msg) { throw new Error(msg); }

  // verifyNote checks a signed note with a verifier key
  // "<name>+<hex key hash>+<base64(0x01 || public key)>" and returns its text.
  async function verifyNote(note, vkey) {
    // name+hash+key: the base64 key may hold "+" too.
    vkey = vkey.trim();
    var i1 = vkey.indexOf("+"), i2 = vkey.indexOf("+", i1 + 1);
    if (i1 <= 0 || i2 < 0 || i2 - i1 !== 9) { fail("the key is not a note verifier key"); }
    var name = vkey.slice(0, i1), hash = vkey.slice(i1 + 1, i2), raw = b64(vkey.slice(i2 + 1));
    if (raw.length !== 33 || raw[0] !== 1) { fail("the key is not an Ed25519 note key"); }
    var split = note.indexOf("\n\n");
    if (split < 0) { fail("the checkpoint has no signatures"); }
    var text = note.slice(0, split + 1);
    var key = await crypto.subtle.importKey("raw", raw.slice(1), { name: "Ed25519" }, false, ["verify"]);
    var lines = note.slice(split + 2).split("\n");
    for (var i = 0; i < lines.length; i++) {
      var m = /^\u2014 (\S+) (\S+)$/.exec(lines[i]);
      if (!m || m[1] !== name) { continue; }
      var sig = b64(m[2]);
      if (sig.length !== 68) { continue; }
      var kh = Array.from(sig.slice(0, 4)).map(function (x) { return ("0" + x.toString(16)).slice(-2); }).join("");
      if (kh !== hash) { continue; }
      if (await crypto.subtle.verify({ name: "Ed25519" }, key, sig.slice(4), enc.encode(text))) { return text; }
      fail("the checkpoint's signature does not verify with the key");
    }
    fail("the checkpoint is not signed by this key");
  }

  // rootFromProof is RFC 9162 2.1.3.2: the root that the leaf hash and
  // the inclusion proof give for index in a tree of size.
  async function rootFromProof(index, size, leafHash, proof) {
    var fn = BigInt(index), sn = BigInt(size) - 1n, r = leafHash;
    if (fn > sn) { fail("the index is outside the tree"); }
    for (var i = 0; i < proof.length; i++) {
      var p = proof[i];
      if (sn === 0n) { fail("the proof is too long"); }
      if ((fn & 1n) === 1n || fn === sn) {
        r = await sha256(cat(new Uint8Array([1]), p, r));
        if ((fn & 1n) === 0n) {
          while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; }
        }
      } else {
        r = await sha256(cat(new Uint8Array([1]), r, p));
      }
      fn >>= 1n; sn >>= 1n;
    }
    if (sn !== 0n) { fail("the proof is too short"); }
    return r;
  }

  async function prove(id, vkey) {
    var res = await fetch("/console/central-bank/proof?transfer=" + encodeURIComponent(id), { credentials: "same-origin" });
    if (!res.ok) { fail("the server has no proof of this transfer (" + res.status + ")"); }
    var p = await res.json();
    var text = await verifyNote(p.checkpoint, vkey);
    var lines = text.split("\n");
    var size = lines[1], root = b64(lines[2]);
    if (String(p.tree_size) !== size) { fail("the proof is for another tree size than the checkpoint's"); }
    var leafHash = await sha256(cat(new Uint8Array([0]), b64(p.leaf)));
    var got = await rootFromProof(p.log_index, p.tree_size, leafHash, p.proof.map(b64));
    if (!same(got, root)) { fail("the inclusion proof does not lead to the checkpoint's root"); }
    return "leaf " + p.log_index + " of " + size + ", " + lines[0];
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    out.className = "";
    out.textContent = "…";
    prove(document.getElementById("proof-transfer").value, document.getElementById("proof-key").value)
      .then(function (what) { out.className = "flash verified"; out.textContent = form.getAttribute("data-ok") + " " + what; })
      .catch(function (e) { out.className = "error refuted"; out.textContent = form.getAttribute("data-bad") + " " + e.message; });
  });
  form.setAttribute("data-ready", "1"); // the form is the script's from now on

})();
