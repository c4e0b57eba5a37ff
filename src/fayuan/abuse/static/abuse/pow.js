/* The human check's proof of work (fayuan.abuse.challenge): find a nonce such that
   SHA-256(token + ":" + nonce) starts with `bits` zero bits, write it into the form, and hide
   the arithmetic question that people without scripts answer instead. WebCrypto only (no
   outside service); without it (plain HTTP off localhost, an old browser) the question stays. */
(function () {
  "use strict";
  var BATCH = 256;

  function zeroBits(buffer) {
    var bytes = new Uint8Array(buffer);
    var bits = 0;
    for (var i = 0; i < bytes.length; i++) {
      if (bytes[i] === 0) { bits += 8; continue; }
      var b = bytes[i];
      while ((b & 0x80) === 0) { bits += 1; b <<= 1; }
      return bits;
    }
    return bits;
  }

  function solve(token, bits) {
    var encoder = new TextEncoder();
    var start = 0;
    function batch() {
      var tries = [];
      for (var n = start; n < start + BATCH; n++) {
        tries.push(crypto.subtle.digest("SHA-256", encoder.encode(token + ":" + n)));
      }
      var first = start;
      start += BATCH;
      return Promise.all(tries).then(function (digests) {
        for (var i = 0; i < digests.length; i++) {
          if (zeroBits(digests[i]) >= bits) return String(first + i);
        }
        return batch();
      });
    }
    return batch();
  }

  function wrapper(input) {
    return input.closest(".field") || input.parentElement;
  }

  function setUp(tokenInput) {
    var form = tokenInput.form;
    if (!form) return;
    var nonce = form.querySelector("[data-pow-nonce]");
    var answer = form.querySelector("[data-pow-answer]");
    var done = false;
    var waiting = null;
    function hideQuestion() {
      if (!answer || answer.value.trim()) return;
      var box = wrapper(answer);
      if (box) box.hidden = true;
    }
    if (tokenInput.hasAttribute("data-pow-passed")) {
      done = true;
      hideQuestion();
      return;
    }
    if (!nonce || !window.crypto || !crypto.subtle || !window.TextEncoder || !window.Promise) {
      return; // the question stays: the person answers it
    }
    var bits = parseInt(tokenInput.getAttribute("data-pow-bits"), 10) || 14;
    solve(tokenInput.value, bits).then(function (found) {
      nonce.value = found;
      done = true;
      hideQuestion();
      if (waiting) {
        var submitter = waiting;
        waiting = null;
        if (form.requestSubmit) {
          form.requestSubmit(submitter && submitter.form === form ? submitter : undefined);
        } else {
          form.submit();
        }
      }
    }, function () { /* WebCrypto refused: the question stays */ });
    form.addEventListener("submit", function (event) {
      if (done || (answer && answer.value.trim())) return;
      event.preventDefault();
      waiting = event.submitter || true;
    });
  }

  function start() {
    var inputs = document.querySelectorAll("input[data-pow-token]");
    for (var i = 0; i < inputs.length; i++) setUp(inputs[i]);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
