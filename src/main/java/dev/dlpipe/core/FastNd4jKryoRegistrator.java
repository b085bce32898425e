package dev.dlpipe.core;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.spark.serializer.KryoRegistrator;
import org.nd4j.kryo.Nd4jRegistrator;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * ND4J's Kryo registrations, with INDArrays written as one block of bytes. ND4J's own serializer goes through
 * {@code DataOutputStream.writeFloat} per element; parameter averaging ships the parameters and the updater state of
 * every worker in every round, and a profile of a 270k-parameter MLP had the driver and the executors spend more
 * time in that loop than in training.
 */
public final class FastNd4jKryoRegistrator implements KryoRegistrator {

    @Override
    public void registerClasses(Kryo kryo) {
        new Nd4jRegistrator().registerClasses(kryo);
        kryo.register(Nd4j.getBackend().getNDArrayClass(), new BulkNdArraySerializer()); // replaces ND4J's
    }

    /** dtype, order, shape, then the raw buffer bytes (native order) in one copy each way. */
    static final class BulkNdArraySerializer extends Serializer<INDArray> {

        @Override
        public void write(Kryo kryo, Output out, INDArray array) {
            INDArray a = array.isView() || array.ordering() != 'c' && array.ordering() != 'f' ? array.dup('c') : array;
            out.writeString(a.dataType().name());
            out.writeByte(a.ordering());
            long[] shape = a.shape();
            out.writeInt(shape.length, true);
            for (long d : shape) {
                out.writeLong(d, true);
            }
            long bytes = a.length() * a.dataType().width();
            out.writeLong(bytes, true);
            if (bytes > 0) {
                ByteBuffer data = a.data().asNio();
                byte[] chunk = new byte[(int) Math.min(bytes, 1 << 20)];
                for (long pos = 0; pos < bytes; pos += chunk.length) {
                    int n = (int) Math.min(chunk.length, bytes - pos);
                    data.get((int) pos, chunk, 0, n);
                    out.writeBytes(chunk, 0, n);
                }
            }
        }

        @Override
        public INDArray read(Kryo kryo, Input in, Class<INDArray> type) {
            DataType dtype = DataType.valueOf(in.readString());
            char order = (char) in.readByte();
            long[] shape = new long[in.readInt(true)];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = in.readLong(true);
            }
            long bytes = in.readLong(true);
            if (bytes == 0) {
                return Nd4j.create(dtype, shape, Nd4j.getStrides(shape, order), order);
            }
            INDArray a = Nd4j.createUninitialized(dtype, shape, order);
            ByteBuffer data = a.data().asNio().order(ByteOrder.nativeOrder());
            byte[] chunk = new byte[(int) Math.min(bytes, 1 << 20)];
            for (long pos = 0; pos < bytes; pos += chunk.length) {
                int n = (int) Math.min(chunk.length, bytes - pos);
                in.readBytes(chunk, 0, n);
                data.put((int) pos, chunk, 0, n);
            }
            return a;
        }
    }
}
