package dev.dlpipe.model;

import dev.dlpipe.UserError;
import dev.dlpipe.core.Fingerprint;
import dev.dlpipe.core.Fs;
import dev.dlpipe.core.Json;
import java.util.List;
import java.util.Map;

/**
 * What every reader of an export directory (export's or ensemble's output) relies on: its manifest and ONNX file
 * names, and a file checked against the SHA-256 its manifest records. Here rather than in the export package, which
 * reads compress's outputs, so that compress, score and serve can read exports without a package cycle.
 */
public final class ExportFiles {

    public static final String MANIFEST = "export-manifest.json";
    public static final String ONNX = "model.onnx";

    private ExportFiles() {
    }

    /** One exported file, after checking it is the file export wrote (its SHA-256 in export-manifest.json). */
    public static String verified(String exportDir, String name) {
        String manifestFile = Fs.child(exportDir, MANIFEST);
        if (!Fs.exists(manifestFile)) {
            throw new UserError(exportDir + ": no " + MANIFEST + " (expected an export output)");
        }
        String model = Fs.child(exportDir, name);
        for (Object o : (List<?>) Json.readMap(Fs.readString(manifestFile)).get("files")) {
            Map<?, ?> f = (Map<?, ?>) o;
            if (name.equals(f.get("file")) && f.get("sha256") != null) {
                String actual = Fingerprint.sha256(model);
                if (!actual.equals(f.get("sha256"))) {
                    throw new UserError(model + " is not the file export wrote: its SHA-256 is " + actual + ", "
                            + MANIFEST + " says " + f.get("sha256") + "; export again or restore the file");
                }
                return model;
            }
        }
        throw new UserError(manifestFile + " lists no SHA-256 for " + name + " (an export from an older dlpipe, or "
                + "export.formats without it?): export again");
    }
}
