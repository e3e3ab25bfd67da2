// An empty ES module: what Node's ES module loader alone adds to `node -e 0` (the cold-start baseline).
