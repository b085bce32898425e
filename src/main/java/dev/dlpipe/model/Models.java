package dev.dlpipe.model;

import dev.dlpipe.core.Fs;
import dev.dlpipe.UserError;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.deeplearning4j.util.ModelSerializer;

/** Reading and writing DL4J model zips on any Hadoop file system, with errors that name the file. */
public final class Models {

    private Models() {
    }

    /** A trained network (MultiLayerNetwork or ComputationGraph) from a DL4J model zip, without updater state. */
    public static Network read(String file) {
        if (!Fs.exists(file)) {
            throw new UserError("model file not found: " + file);
        }
        try (InputStream in = Fs.open(file)) {
            return fromBytes(in.readAllBytes(), file);
        } catch (IOException e) {
            throw new UserError(file + ": cannot read model zip: " + e.getMessage(), e);
        }
    }

    /** A network from model zip bytes ({@link #bytes}); {@code name} is what errors call them. */
    public static Network fromBytes(byte[] zip, String name) {
        ModelZipCheck.verify(zip, name); // before DL4J parses anything of it
        boolean graph = isGraph(new java.io.ByteArrayInputStream(zip), name);
        org.deeplearning4j.nn.api.Model model;
        try (InputStream in = new java.io.ByteArrayInputStream(zip)) {
            model = graph ? ModelSerializer.restoreComputationGraph(in, false)
                    : ModelSerializer.restoreMultiLayerNetwork(in, false);
        } catch (IOException | RuntimeException e) {
            throw new UserError(name + ": not a readable DL4J model zip (corrupt or truncated?): " + e.getMessage(), e);
        }
        return new Network(model);
    }

    /** Whether a DL4J model zip holds a ComputationGraph (its configuration has vertices), from the zip alone. */
    public static boolean isGraph(String file) {
        try {
            return isGraph(Fs.open(file), file);
        } catch (IOException e) {
            throw new UserError(file + ": cannot read model zip: " + e.getMessage(), e);
        }
    }

    private static boolean isGraph(InputStream in, String file) {
        try (java.util.zip.ZipInputStream zip = new java.util.zip.ZipInputStream(in)) {
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

    /** Writes the network without updater state (what compress and export publish). */
    public static void write(Network net, String file) throws IOException {
        try (OutputStream out = Fs.create(file)) {
            ModelSerializer.writeModel(net.model(), out, false);
        }
    }

    /** The model zip as bytes (no updater state), e.g. to broadcast it to executors. */
    public static byte[] bytes(Network net) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ModelSerializer.writeModel(net.model(), out, false);
        return out.toByteArray();
    }
}
