// An SMPP server for the SMS channel's tests, built on the npm package
// smpp (node-smpp, MIT). It listens on a free port and prints
// "LISTEN <port>", accepts bind_transceiver as yingji/secret, answers
// every submit_sm with a message id, prints each message as a JSON line
// and, when a receipt was asked for, sends a deliver_sm delivery receipt:
// UNDELIV for 13800000000, DELIVRD otherwise.
'use strict';
const smpp = require('smpp');
let next = 1000;
const server = smpp.createServer(function (session) {
  session.on('bind_transceiver', function (pdu) {
    if (pdu.system_id !== 'yingji' || pdu.password !== 'secret') {
      session.send(pdu.response({ command_status: smpp.ESME_RBINDFAIL }));
      session.close();
      return;
    }
    session.send(pdu.response({ system_id: 'peer' }));
  });
  session.on('enquire_link', function (pdu) { session.send(pdu.response()); });
  session.on('unbind', function (pdu) { session.send(pdu.response()); session.close(); });
  session.on('submit_sm', function (pdu) {
    const id = 'm' + (next++);
    let text = pdu.short_message && pdu.short_message.message;
    if (pdu.message_payload) text = pdu.message_payload.message;
    if (typeof text !== 'string') text = String(text);
    process.stdout.write(JSON.stringify({ id: id, source: pdu.source_addr, dest: pdu.destination_addr, text: text,
      data_coding: pdu.data_coding, registered_delivery: pdu.registered_delivery }) + '\n');
    if (pdu.destination_addr === '13900000000') {
      session.send(pdu.response({ command_status: smpp.ESME_RINVDSTADR }));
      return;
    }
    session.send(pdu.response({ message_id: id }));
    if (pdu.registered_delivery & 1) {
      const ok = pdu.destination_addr !== '13800000000';
      const stat = ok ? 'DELIVRD' : 'UNDELIV';
      setTimeout(function () {
        session.deliver_sm({
          source_addr: pdu.destination_addr, destination_addr: pdu.source_addr, esm_class: smpp.ESM_CLASS.MC_DELIVERY_RECEIPT,
          short_message: 'id:' + id + ' sub:001 dlvrd:' + (ok ? '001' : '000') + ' submit date:2611280800 done date:2611280800 stat:' + stat + ' err:' + (ok ? '000' : '001') + ' text:',
          receipted_message_id: id, message_state: ok ? 2 : 5,
        });
      }, 20);
    }
  });
});
server.listen(0, '127.0.0.1', function () {
  process.stdout.write('LISTEN ' + server.address().port + '\n');
});
process.stdin.on('end', function () { process.exit(0); });
process.stdin.resume();
