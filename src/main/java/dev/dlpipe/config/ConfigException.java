package dev.dlpipe.config;

import dev.dlpipe.UserError;

/** A configuration problem, worded for the user: it names the key and the file (or command-line flag) it came from. */
public final class ConfigException extends UserError {
    public ConfigException(String message) {
        super(message);
    }
}
