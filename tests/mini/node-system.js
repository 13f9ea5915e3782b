// emscripten --js-library for tests/mini/cmocka.h: system() under node (/bin/sh through child_process).
mergeInto(LibraryManager.library, {
  mini_cmocka_node_system: function (command) {
    var r = require('child_process').spawnSync('/bin/sh', ['-c', UTF8ToString(command)], { stdio: 'inherit' });
    if (r.error || r.status === null) return -1;
    return r.status << 8;
  }
});
