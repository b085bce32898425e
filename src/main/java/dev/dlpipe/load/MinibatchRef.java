package dev.dlpipe.load;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * Names a minibatch inside a tensor shard as a URI fragment, {@code <shard-uri>#rg=<group>,from=<row>,n=<rows>},
 * so DL4J's path-based training route ships only these short strings to the executors, and each executor reads
 * its minibatches straight from the shards with no exported copies.
 */
public record MinibatchRef(String shard, int rowGroup, int from, int rows) {

    /** {@code shard} is a qualified path as Hadoop prints it; it is URI-escaped here so DL4J can parse it. */
    public static String encode(String shard, int rowGroup, int from, int rows) {
        return new org.apache.hadoop.fs.Path(shard).toUri().toString() + "#rg=" + rowGroup + ",from=" + from
                + ",n=" + rows;
    }

    public static MinibatchRef parse(String ref) {
        try {
            URI uri = new URI(ref);
            String fragment = uri.getFragment();
            if (fragment == null) {
                throw new IllegalArgumentException("no #rg=..,from=..,n=.. fragment");
            }
            int rg = -1;
            int from = -1;
            int n = -1;
            for (String part : fragment.split(",")) {
                String[] kv = part.split("=", 2);
                switch (kv[0]) {
                    case "rg": rg = Integer.parseInt(kv[1]); break;
                    case "from": from = Integer.parseInt(kv[1]); break;
                    case "n": n = Integer.parseInt(kv[1]); break;
                    default: throw new IllegalArgumentException("unknown fragment key " + kv[0]);
                }
            }
            if (rg < 0 || from < 0 || n <= 0) {
                throw new IllegalArgumentException("incomplete fragment " + fragment);
            }
            String shard = new org.apache.hadoop.fs.Path(new URI(ref.substring(0, ref.lastIndexOf('#')))).toString();
            return new MinibatchRef(shard, rg, from, n);
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw new IllegalArgumentException("bad minibatch reference '" + ref + "': " + e.getMessage(), e);
        }
    }
}
