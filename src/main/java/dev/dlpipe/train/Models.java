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
        if (isGraph(file)) {
            throw new UserError(file + ": a ComputationGraph (train.model=resnet); compress, export and score take"
                    + " MultiLayerNetwork models (mlp, lenet) so far");
        }
        try (InputStream in = Fs.open(file)) {
            return ModelSerializer.restoreMultiLayerNetwork(in, false);
        } catch (IOException | RuntimeException e) {
            throw new UserError(file + ": not a readable DL4J model zip (corrupt or truncated?): " + e.getMessage(), e);
        }
    }

    /** Whether a DL4J model zip holds a ComputationGraph (its configuration has vertices), from the zip alone. */
    public static boolean isGraph(String file) {
        try (java.util.zip.ZipInputStream zip = new java.util.zip.ZipInputStream(Fs.open(file))) {
            for (java.util.zip.ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                if (e.getName().equals("configuration.json")) {
                    String json = new String(zip.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                    return json.contains("\"vertices\"");
                }
            }
            throw new UserError(file + ": not a DL4J model zip (no configuration.json)");
        } catch (IOException e) {
            throw new UserError(file + ": cannot read model zip: " + e.getMessage(), e);
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
