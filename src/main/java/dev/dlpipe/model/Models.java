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

    private static final int COMPACT_MAGIC = 0x444c5043; // "DLPC"

    /**
     * The network as its configuration JSON and its parameters in one float32 block, for broadcasting to executors.
     * A model zip makes every task inflate it and read the parameters one float at a time through a stream
     * (ModelSerializer): 100+ ms per task for the 270 k-parameter quickstart MLP, as much executor time per epoch as
     * the training itself. This form loads with one bulk copy. Parameters only (no updater state), like {@link #bytes}.
     */
    public static byte[] compact(Network net) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            java.io.DataOutputStream out = new java.io.DataOutputStream(bytes);
            out.writeInt(COMPACT_MAGIC);
            out.writeBoolean(net.isGraph());
            byte[] json = (net.isGraph() ? net.graph().getConfiguration().toJson()
                    : net.multiLayer().getLayerWiseConfigurations().toJson()).getBytes(java.nio.charset.StandardCharsets.UTF_8);
            out.writeInt(json.length);
            out.write(json);
            org.nd4j.linalg.api.ndarray.INDArray params = net.model().params();
            float[] values = floats(params);
            java.nio.ByteBuffer block = java.nio.ByteBuffer.allocate(values.length * 4)
                    .order(java.nio.ByteOrder.LITTLE_ENDIAN);
            block.asFloatBuffer().put(values);
            out.writeInt(values.length);
            out.write(block.array());
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e); // a byte array stream does not fail
        }
    }

    /**
     * The elements of a flat parameter or updater view as float32, in one bulk copy when the view is contiguous
     * float32 (the flat views always are); ND4J's own conversion reads element by element, milliseconds for a
     * model's parameters. Null gives an empty array (an updater without state).
     */
    public static float[] floats(org.nd4j.linalg.api.ndarray.INDArray a) {
        if (a == null) {
            return new float[0];
        }
        if (contiguousFloats(a)) {
            float[] out = new float[(int) a.length()];
            a.data().asNioFloat().get((int) a.offset(), out);
            return out;
        }
        return a.castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).dup('c').data().asFloat();
    }

    /** Writes {@code values} into a flat view: one bulk copy when it is contiguous float32, else ND4J's assign. */
    public static void setFloats(org.nd4j.linalg.api.ndarray.INDArray target, float[] values) {
        if (contiguousFloats(target)) {
            target.data().asNioFloat().put((int) target.offset(), values);
        } else {
            target.assign(org.nd4j.linalg.factory.Nd4j.create(values, target.shape(), 'c').castTo(target.dataType()));
        }
    }

    /** Float32 and one contiguous run in its buffer: bulk copies can go straight to the buffer. */
    public static boolean contiguousFloats(org.nd4j.linalg.api.ndarray.INDArray a) {
        return a.dataType() == org.nd4j.linalg.api.buffer.DataType.FLOAT && a.isVector() && a.elementWiseStride() == 1
                && a.data().asNioFloat().capacity() - a.offset() >= a.length();
    }

    /** A network from {@link #compact} bytes: its configuration, initialized with the shipped parameters. */
    public static Network fromCompact(byte[] compact) {
        java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(compact);
        if (in.getInt() != COMPACT_MAGIC) {
            throw new IllegalArgumentException("not a compact network (Models.compact)");
        }
        boolean graph = in.get() != 0;
        byte[] json = new byte[in.getInt()];
        in.get(json);
        float[] values = new float[in.getInt()];
        in.order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        String conf = new String(json, java.nio.charset.StandardCharsets.UTF_8);
        org.nd4j.linalg.api.ndarray.INDArray flat = org.nd4j.linalg.factory.Nd4j.create(values, new long[] {1, values.length}, 'c');
        if (graph) {
            var c = org.deeplearning4j.nn.conf.ComputationGraphConfiguration.fromJson(conf);
            var g = new org.deeplearning4j.nn.graph.ComputationGraph(c);
            g.init(flat.castTo(c.getDataType()), false);
            return new Network(g);
        }
        var c = org.deeplearning4j.nn.conf.MultiLayerConfiguration.fromJson(conf);
        var m = new org.deeplearning4j.nn.multilayer.MultiLayerNetwork(c);
        m.init(flat.castTo(c.getDataType()), false);
        return new Network(m);
    }

    /** The model zip as bytes (no updater state), e.g. to broadcast it to executors. */
    public static byte[] bytes(Network net) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ModelSerializer.writeModel(net.model(), out, false);
        return out.toByteArray();
    }
}
