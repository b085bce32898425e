package dev.dlpipe.core;

import dev.dlpipe.UserError;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A lock file that says who holds it ({@code pid@host since time}). Taking it fails with one line while its holder
 * is alive; a lock whose holder is gone (same host, process not running) is taken over. Two writers of one output
 * or one run directory would otherwise delete each other's work as "leftovers".
 */
public final class OwnerLock implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(OwnerLock.class);
    private static final String HOST = host();
    /** This process, as lock files and staging directory names record it. */
    public static final String OWNER = ProcessHandle.current().pid() + "@" + HOST;

    private final Path path;
    private final FileSystem fs;
    private boolean released;

    private OwnerLock(Path path, FileSystem fs) {
        this.path = path;
        this.fs = fs;
    }

    /** Takes the lock at {@code lockFile}; {@code what} names the locked thing in the error. */
    public static OwnerLock acquire(String lockFile, String what) {
        Path path = Fs.path(lockFile);
        FileSystem fs = Fs.fs(path);
        for (int attempt = 0; attempt < 2; attempt++) {
            try (OutputStream out = fs.create(path, false)) {
                out.write((OWNER + " since " + Instant.now() + "\n").getBytes(StandardCharsets.UTF_8));
                return new OwnerLock(path, fs);
            } catch (IOException exists) {
                String holder = holder(fs, path);
                if (holder != null && alive(holder)) {
                    throw new UserError(what + " is in use by " + holder.trim() + " (lock " + lockFile + "); wait for it to "
                            + "finish, or use another directory. If that process is gone, delete the lock file");
                }
                LOG.info("taking over the lock of a writer that is gone: {} ({})", lockFile,
                        holder == null ? "unreadable" : holder.trim());
                try {
                    fs.delete(path, false);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot remove stale lock " + lockFile, e);
                }
            }
        }
        throw new UserError(what + ": could not take the lock " + lockFile + " (another writer took it first)");
    }

    /** Whether the owner recorded as {@code pid@host ...} is still running; another host's owner counts as alive. */
    public static boolean alive(String owner) {
        String id = owner.trim().split(" ")[0];
        int at = id.indexOf('@');
        if (at < 0) {
            return false;
        }
        if (!id.substring(at + 1).equals(HOST)) {
            return true; // we cannot see another host's processes: never take over its work
        }
        try {
            return ProcessHandle.of(Long.parseLong(id.substring(0, at))).map(ProcessHandle::isAlive).orElse(false);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static String holder(FileSystem fs, Path path) {
        try {
            return Fs.readString(path.toString());
        } catch (RuntimeException e) {
            return null;
        }
    }

    @Override
    public void close() {
        if (released) {
            return;
        }
        released = true;
        try {
            fs.delete(path, false);
        } catch (IOException e) {
            LOG.warn("could not remove lock {}: {}", path, e.getMessage());
        }
    }

    private static String host() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown-host";
        }
    }
}
