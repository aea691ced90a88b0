// The build: copies src/ into the output directory given by --outDir, with a banner.
const fs = require("fs");
const path = require("path");

const flag = process.argv.indexOf("--outDir");
const out = flag >= 0 ? process.argv[flag + 1] : "dist";
fs.mkdirSync(out, { recursive: true });
for (const name of fs.readdirSync("src")) {
  const source = fs.readFileSync(path.join("src", name), "utf8");
  fs.writeFileSync(path.join(out, name), `// built from src/${name}\n${source}`);
}
