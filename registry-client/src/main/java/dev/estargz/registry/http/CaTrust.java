package dev.estargz.registry.http;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;

/** A TLS trust that accepts the system's CAs plus extra CAs read from PEM files. */
record CaTrust(SSLContext context, X509TrustManager trustManager) {

    static CaTrust withExtraCas(List<Path> pemFiles) throws IOException {
        try {
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            int i = 0;
            for (X509Certificate c : systemTrust().getAcceptedIssuers()) {
                ks.setCertificateEntry("system-" + i++, c);
            }
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            for (Path p : pemFiles) {
                try (InputStream in = Files.newInputStream(p)) {
                    var certs = cf.generateCertificates(in);
                    if (certs.isEmpty()) {
                        throw new IOException("no certificate in CA file " + p);
                    }
                    for (Certificate c : certs) {
                        ks.setCertificateEntry("extra-" + i++, c);
                    }
                } catch (java.nio.file.NoSuchFileException e) {
                    throw new IOException("CA certificate file not found: " + p, e);
                } catch (java.security.cert.CertificateException e) {
                    throw new IOException("cannot read CA certificate " + p + ": " + e.getMessage(), e);
                }
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            X509TrustManager tm = x509(tmf.getTrustManagers());
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[]{tm}, null);
            return new CaTrust(ctx, tm);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot build TLS trust from " + pemFiles + ": " + e.getMessage(), e);
        }
    }

    private static X509TrustManager systemTrust() throws GeneralSecurityException {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init((KeyStore) null);
        return x509(tmf.getTrustManagers());
    }

    private static X509TrustManager x509(TrustManager[] tms) throws GeneralSecurityException {
        for (TrustManager t : tms) {
            if (t instanceof X509TrustManager x) {
                return x;
            }
        }
        throw new GeneralSecurityException("no X509TrustManager in the JDK");
    }
}
