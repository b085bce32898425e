package dev.dlpipe.train;

import dev.dlpipe.model.ModelZipCheck;
import dev.dlpipe.model.Models;
import dev.dlpipe.core.Fs;
import dev.dlpipe.core.Json;
import dev.dlpipe.UserError;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.util.ModelSerializer;

/**
 * Per-epoch training checkpoints in {@code DIR/epoch-NNNN/} ({@code model.zip} with updater state, and
 * {@code state.json} with everything else a resumed run needs). Each is written into a temporary directory and
 * renamed into place, so a crash mid-write leaves no half checkpoint. The directory lives beside the stage output,
 * not in its staging directory: it must survive the crash it exists for.
 */
public final class Checkpoints {

    public static final String MODEL = "model.zip";
    public static final String STATE = "state.json";

    private final String dir;
    private final int keep;

    public Checkpoints(String dir, int keep) {
        this.dir = dir;
        this.keep = keep;
    }

    public String dir() {
        return dir;
    }

    /** A loaded checkpoint: the network (with updater state) and the saved state map. */
    public record Loaded(int epoch, String path, Model network, Map<String, Object> state) {
    }

    static String name(int epoch) {
        return String.format("epoch-%04d", epoch);
    }

    /** Writes epoch {@code epoch}'s checkpoint atomically, then drops old ones (keeping the last few and {@code pinned}). */
    public String write(int epoch, Model net, Map<String, Object> state, int pinned) throws IOException {
        Path root = Fs.path(dir);
        FileSystem fs = Fs.fs(root);
        fs.mkdirs(root);
        Path tmp = new Path(root, "." + name(epoch) + ".tmp-" + UUID.randomUUID());
        fs.mkdirs(tmp);
        try {
            try (var out = fs.create(new Path(tmp, MODEL))) {
                ModelSerializer.writeModel(net, out, true);
            }
            Fs.writeString(new Path(tmp, STATE).toString(), Json.write(state)); // last: its presence marks a whole checkpoint
            Path target = new Path(root, name(epoch));
            if (fs.exists(target)) {
                fs.delete(target, true); // a rerun of this epoch after a resume
            }
            if (!fs.rename(tmp, target)) {
                throw new IOException("cannot rename " + tmp + " to " + target);
            }
        } finally {
            if (fs.exists(tmp)) {
                fs.delete(tmp, true);
            }
        }
        prune(fs, root, epoch, pinned);
        return fs.makeQualified(new Path(root, name(epoch))).toString();
    }

    private void prune(FileSystem fs, Path root, int latest, int pinned) throws IOException {
        for (int e : epochs(fs, root)) {
            if (e <= latest - keep && e != pinned) {
                fs.delete(new Path(root, name(e)), true);
            }
        }
    }

    private static List<Integer> epochs(FileSystem fs, Path root) throws IOException {
        List<Integer> out = new ArrayList<>();
        if (!fs.exists(root)) {
            return out;
        }
        for (FileStatus st : fs.listStatus(root)) {
            String n = st.getPath().getName();
            if (st.isDirectory() && n.matches("epoch-\\d{4,}") && fs.exists(new Path(st.getPath(), STATE))) {
                out.add(Integer.parseInt(n.substring("epoch-".length())));
            }
        }
        out.sort(null);
        return out;
    }

    /** The newest complete checkpoint, or null if there is none. */
    public Loaded latest() {
        try {
            Path root = Fs.path(dir);
            List<Integer> all = epochs(Fs.fs(root), root);
            return all.isEmpty() ? null : load(all.get(all.size() - 1));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list checkpoints in " + dir, e);
        }
    }

    public Loaded load(int epoch) {
        String path = Fs.child(dir, name(epoch));
        String model = Fs.child(path, MODEL);
        try (InputStream file = Fs.open(model)) {
            byte[] zip = file.readAllBytes();
            ModelZipCheck.verify(zip, model); // before DL4J parses anything of it
            InputStream in = new java.io.ByteArrayInputStream(zip);
            Model net = Models.isGraph(model) ? ModelSerializer.restoreComputationGraph(in, true)
                    : ModelSerializer.restoreMultiLayerNetwork(in, true);
            return new Loaded(epoch, path, net, Json.readMap(Fs.readString(Fs.child(path, STATE))));
        } catch (UserError e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new UserError(model + ": cannot read checkpoint (corrupt or truncated?): " + e.getMessage(), e);
        }
    }
}
