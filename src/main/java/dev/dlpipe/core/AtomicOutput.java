package dev.dlpipe.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.UUID;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A stage writes everything into a hidden staging directory beside its final output and renames it into place
 * only when it has succeeded. A crash leaves at most a stale staging directory, which the next run removes, so a
 * rerun is always safe and readers never see half an output.
 */
public final class AtomicOutput {

    private static final Logger LOG = LoggerFactory.getLogger(AtomicOutput.class);

    private final Path target;
    private final Path staging;
    private final FileSystem fs;
    private boolean done;

    private AtomicOutput(Path target) {
        this.target = target;
        this.fs = Fs.fs(target);
        this.staging = new Path(target.getParent(), "." + target.getName() + ".staging-" + UUID.randomUUID());
    }

    /** Starts writing {@code finalDir}: removes leftovers of crashed runs and creates a fresh staging directory. */
    public static AtomicOutput begin(String finalDir) {
        AtomicOutput out = new AtomicOutput(Fs.path(finalDir));
        try {
            out.removeLeftovers();
            out.fs.mkdirs(out.staging);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create staging directory " + out.staging, e);
        }
        return out;
    }

    /** Where the stage writes; a qualified URI so executors on other hosts resolve it the same way. */
    public String staging() {
        return fs.makeQualified(staging).toString();
    }

    public String target() {
        return fs.makeQualified(target).toString();
    }

    /** Publishes the staging directory as the output, replacing an older output of the same name. */
    public void commit() {
        try {
            Path old = null;
            if (fs.exists(target)) {
                old = new Path(target.getParent(), "." + target.getName() + ".old-" + UUID.randomUUID());
                rename(target, old);
            }
            rename(staging, target);
            if (old != null) {
                fs.delete(old, true);
            }
            done = true;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot publish " + target, e);
        }
    }

    /** Drops the staging directory after a failure; the previous output, if any, stays untouched. */
    public void abort() {
        if (done) {
            return;
        }
        try {
            fs.delete(staging, true);
        } catch (IOException e) {
            LOG.warn("could not remove staging directory {}: {}", staging, e.getMessage());
        }
        done = true;
    }

    private void rename(Path from, Path to) throws IOException {
        if (!fs.rename(from, to)) {
            throw new IOException("rename " + from + " -> " + to + " failed");
        }
    }

    private void removeLeftovers() throws IOException {
        Path parent = target.getParent();
        if (!fs.exists(parent)) {
            fs.mkdirs(parent);
            return;
        }
        String stagingPrefix = "." + target.getName() + ".staging-";
        String oldPrefix = "." + target.getName() + ".old-";
        for (FileStatus st : fs.listStatus(parent)) {
            String n = st.getPath().getName();
            if (n.startsWith(stagingPrefix) || n.startsWith(oldPrefix)) {
                LOG.info("removing leftover of an interrupted run: {}", st.getPath());
                fs.delete(st.getPath(), true);
            }
        }
    }
}
