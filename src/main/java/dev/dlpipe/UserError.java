package dev.dlpipe;

/**
 * A problem the user can fix (bad config, missing or corrupt input). The CLI prints its message as one line and
 * exits non-zero, without a stack trace; anything else is a bug and keeps its trace.
 */
public class UserError extends RuntimeException {
    public UserError(String message) {
        super(message);
    }

    public UserError(String message, Throwable cause) {
        super(message, cause);
    }
}
