package dev.dlpipe.image;

/** An image that cannot be turned into pixels; {@link #reason()} is the quarantine reason code. */
public final class ImageDecodeException extends Exception {
    private final String reason;

    public ImageDecodeException(String reason, String detail) {
        super(detail);
        this.reason = reason;
    }

    public String reason() {
        return reason;
    }
}
