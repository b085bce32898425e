package dev.dlpipe.load;

import dev.dlpipe.core.Fs;
import java.io.IOException;
import java.io.InputStream;
import org.nd4j.common.loader.Source;

/** A DL4J {@link Source} for a path string, opened lazily through Hadoop's FileSystem. */
public record PathSource(String path) implements Source {

    @Override
    public InputStream getInputStream() throws IOException {
        return Fs.open(path);
    }

    @Override
    public String getPath() {
        return path;
    }
}
