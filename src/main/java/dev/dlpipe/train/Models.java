package dev.dlpipe.train;

import dev.dlpipe.core.Fs;
import dev.dlpipe.core.UserError;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;

/** Reading and writing DL4J model zips on any Hadoop file system, with errors that name the file. */
public final class Models {

    private Models() {
    }

    public static MultiLayerNetwork read(String file) {
        if (!Fs.exists(file)) {
            throw new UserError("model file not found: " + file);
        }
        try (InputStream in = Fs.open(file)) {
            return ModelSerializer.restoreMultiLayerNetwork(in, false);
        } catch (IOException | RuntimeException e) {
            throw new UserError(file + ": not a readable DL4J model zip (corrupt or truncated?): " + e.getMessage(), e);
        }
    }

    public static void write(MultiLayerNetwork net, String file, boolean withUpdater) throws IOException {
        try (OutputStream out = Fs.create(file)) {
            ModelSerializer.writeModel(net, out, withUpdater);
        }
    }

    /** The model zip as bytes (no updater state), e.g. to broadcast it to executors. */
    public static byte[] bytes(MultiLayerNetwork net) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ModelSerializer.writeModel(net, out, false);
        return out.toByteArray();
    }
}
