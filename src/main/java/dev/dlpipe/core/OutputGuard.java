package dev.dlpipe.core;

import dev.dlpipe.UserError;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A stage replaces its output directory when it publishes, so before anything runs we make sure that directory
 * holds nothing but an earlier output of the same stage. Anything else (a user's files, a file, the stage's own
 * input, a directory that contains an input, the working directory) is refused with one line; the output of a
 * different stage is replaced only with {@code --force}.
 */
public final class OutputGuard {

    private OutputGuard() {
    }

    public static void check(String stage, List<String> inputs, String output, boolean force) {
        if (output == null || output.isBlank()) {
            throw new UserError(stage + ": --output is empty");
        }
        Path out = qualified(output);
        Path cwd = qualified(System.getProperty("user.dir"));
        if (out.getParent() == null || isSameOrAncestor(out, cwd)) {
            throw new UserError(stage + ": --output " + output + " is " + (out.getParent() == null ? "the file system root"
                    : out.equals(cwd) ? "the working directory" : "a directory above the working directory")
                    + "; publishing there would replace it. Give the stage a directory of its own, e.g. out/" + stage);
        }
        for (String input : inputs) {
            Path in = qualified(input);
            if (isSameOrAncestor(out, in)) {
                throw new UserError(stage + ": --output " + output + (out.equals(in) ? " is" : " contains")
                        + " the input " + input + ", which publishing the output would delete; write somewhere else");
            }
            if (isSameOrAncestor(in, out)) {
                throw new UserError(stage + ": --output " + output + " is inside the input " + input
                        + "; writing there would change the input. Write somewhere else");
            }
        }
        FileSystem fs = Fs.fs(out);
        try {
            if (!fs.exists(out)) {
                return;
            }
            FileStatus st = fs.getFileStatus(out);
            if (st.isFile()) {
                throw new UserError(stage + ": --output " + output + " is an existing file, not an output directory of "
                        + "an earlier " + stage + " run; choose another path or remove it yourself");
            }
            Path manifest = new Path(out, StageRunner.MANIFEST);
            if (!fs.exists(manifest)) {
                if (fs.listStatus(out).length == 0) {
                    return; // an empty directory: nothing to lose
                }
                throw new UserError(stage + ": --output " + output + " exists and holds files that are not a dlpipe "
                        + "output (no " + StageRunner.MANIFEST + "); they would be deleted. Choose another path or move them");
            }
            Object wrote;
            try {
                Map<String, Object> m = Json.readMap(Fs.readString(manifest.toString()));
                wrote = m.get("stage");
            } catch (RuntimeException e) {
                throw new UserError(stage + ": --output " + output + " has an unreadable " + StageRunner.MANIFEST
                        + " (" + e.getMessage() + "); it is not replaced. Choose another path or remove it yourself");
            }
            if (!stage.equals(wrote) && !force) {
                throw new UserError(stage + ": --output " + output + " is the output of an earlier '" + wrote
                        + "' run, not '" + stage + "'; pass --force to replace it");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot check output " + output, e);
        }
    }

    private static Path qualified(String p) {
        Path path = Fs.path(p.isEmpty() ? "." : p);
        return Fs.fs(path).makeQualified(path);
    }

    /** {@code a} is {@code b} or one of its ancestors (same file system). */
    static boolean isSameOrAncestor(Path a, Path b) {
        if (!java.util.Objects.equals(a.toUri().getScheme(), b.toUri().getScheme())
                || !java.util.Objects.equals(a.toUri().getAuthority(), b.toUri().getAuthority())) {
            return false;
        }
        for (Path p = b; p != null; p = p.getParent()) {
            if (p.toUri().getPath().equals(a.toUri().getPath())) {
                return true;
            }
        }
        return false;
    }
}
