package dev.dlpipe.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A stage writes everything into a hidden staging directory beside its final output and renames it into place
 * only when it has succeeded, so readers never see half an output. Publishing swaps in two renames (old output
 * aside, staging into place), then deletes the old one:
 * <ul>
 * <li>one writer per output: a lock file beside it names its holder, and a second writer is refused while the
 *     holder lives; leftovers are removed only under that lock, so no live staging directory is ever deleted;
 * <li>a crash between the two renames leaves the previous output only as {@code .NAME.old-*}: the next writer
 *     renames it back before anything else, so a crash never loses a published output.
 * </ul>
 * On object stores rename is a copy, not atomic; there the stage's {@code _manifest.json}, written last into the
 * staging directory, is the commit marker: readers (the pipeline plan, the output guard) treat a directory
 * without it as not an output.
 */
public final class AtomicOutput {

    private static final Logger LOG = LoggerFactory.getLogger(AtomicOutput.class);

    private final Path target;
    private final Path staging;
    private final FileSystem fs;
    private OwnerLock lock;
    private boolean done;

    private AtomicOutput(Path target) {
        this.target = target;
        this.fs = Fs.fs(target);
        this.staging = new Path(target.getParent(), prefix(target, "staging") + UUID.randomUUID());
    }

    private static String prefix(Path target, String kind) {
        return "." + target.getName() + "." + kind + "-";
    }

    /** Starts writing {@code finalDir}: takes its lock, recovers or removes leftovers, creates a staging directory. */
    public static AtomicOutput begin(String finalDir) {
        AtomicOutput out = new AtomicOutput(Fs.path(finalDir));
        try {
            if (!out.fs.exists(out.target.getParent())) {
                out.fs.mkdirs(out.target.getParent());
            }
            out.lock = OwnerLock.acquire(lockFile(out.target).toString(), "output " + finalDir);
            try {
                out.recoverInterruptedSwap();
                out.removeLeftovers();
                out.fs.mkdirs(out.staging);
            } catch (IOException | RuntimeException e) {
                out.lock.close();
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create staging directory " + out.staging, e);
        }
        return out;
    }

    /**
     * Under the output's lock, restores an output a crashed publish set aside and removes staging directories of
     * writers that are gone, without writing anything: what a skipped (up-to-date) stage leaves behind.
     */
    public static void tidy(String finalDir) {
        AtomicOutput out = new AtomicOutput(Fs.path(finalDir));
        try (OwnerLock lock = OwnerLock.acquire(lockFile(out.target).toString(), "output " + finalDir)) {
            out.recoverInterruptedSwap();
            out.removeLeftovers();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot tidy " + finalDir, e);
        }
    }

    static Path lockFile(Path target) {
        return new Path(target.getParent(), "." + target.getName() + ".lock");
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
                old = new Path(target.getParent(), prefix(target, "old") + UUID.randomUUID());
                rename(target, old);
            }
            rename(staging, target);
            if (old != null) {
                fs.delete(old, true);
            }
            done = true;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot publish " + target, e);
        } finally {
            if (done) {
                lock.close();
            }
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
        lock.close();
    }

    private void rename(Path from, Path to) throws IOException {
        if (!fs.rename(from, to)) {
            throw new IOException("rename " + from + " -> " + to + " failed");
        }
    }

    /** No output but an {@code .old-*} beside it: a publish died between its renames. Put the old output back. */
    private void recoverInterruptedSwap() throws IOException {
        if (fs.exists(target)) {
            return;
        }
        List<FileStatus> olds = leftovers("old");
        if (olds.isEmpty()) {
            return;
        }
        olds.sort((a, b) -> Long.compare(b.getModificationTime(), a.getModificationTime()));
        rename(olds.get(0).getPath(), target);
        LOG.warn("restored the previous output {} from {}, left by a publish that was interrupted", target,
                olds.get(0).getPath().getName());
    }

    /** Under the lock every staging or old directory of this output belongs to a writer that is gone. */
    private void removeLeftovers() throws IOException {
        List<FileStatus> all = leftovers("staging");
        all.addAll(leftovers("old"));
        for (FileStatus st : all) {
            LOG.info("removing leftover of an interrupted run: {}", st.getPath());
            fs.delete(st.getPath(), true);
        }
    }

    private List<FileStatus> leftovers(String kind) throws IOException {
        List<FileStatus> out = new ArrayList<>();
        String p = prefix(target, kind);
        for (FileStatus st : fs.listStatus(target.getParent())) {
            if (st.getPath().getName().startsWith(p)) {
                out.add(st);
            }
        }
        return out;
    }
}
