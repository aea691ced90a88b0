console.log(`hello from the built server on node ${process.versions.node.split(".")[0]}`);
