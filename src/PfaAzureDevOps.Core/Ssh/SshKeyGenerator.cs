using System;
using System.Security.Cryptography;
using System.Threading;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;
using PfaAzureDevOps.Core.Errors;

namespace PfaAzureDevOps.Core.Ssh
{
    /// <summary>Generates SSH key pairs.</summary>
    public static class SshKeyGenerator
    {
        public const int DefaultRsaBits = 4096;

        /// <summary>
        /// Generates a key pair. RSA takes 3072 or 4096 bits (0 means 4096); Ed25519 and ECDSA P-256 take 0 or 256.
        /// RSA uses the platform (OpenSSL on Linux, CNG on Windows), which is as fast as <c>ssh-keygen</c>.
        /// </summary>
        public static SshKeyPair Generate(SshKeyType type, int bits, string comment, CancellationToken cancellationToken)
        {
            string checkedComment = SshPublicKey.ValidateComment(comment);
            cancellationToken.ThrowIfCancellationRequested();
            switch (type)
            {
                case SshKeyType.Rsa:
                    if (bits == 0)
                    {
                        bits = DefaultRsaBits;
                    }

                    if (bits != 3072 && bits != 4096)
                    {
                        throw InvalidSize("An RSA key must have 3072 or 4096 bits (4096 is the default); " + bits + " was asked for.", bits);
                    }

                    return GenerateRsa(bits, checkedComment, cancellationToken);
                case SshKeyType.Ed25519:
                    CheckFixedSize(type, bits);
                    return GenerateEd25519(checkedComment);
                case SshKeyType.EcdsaP256:
                    CheckFixedSize(type, bits);
                    return GenerateEcdsaP256(checkedComment);
                default:
                    throw new PfaException(ErrorIds.SshKeyInvalidType, PfaErrorKind.InvalidArgument, "Unknown key type '" + type + "'. Use Rsa, Ed25519 or EcdsaP256.", type);
            }
        }

        /// <summary>Generates an RSA 4096 key.</summary>
        public static SshKeyPair Generate(string comment, CancellationToken cancellationToken = default) =>
            Generate(SshKeyType.Rsa, DefaultRsaBits, comment, cancellationToken);

        private static void CheckFixedSize(SshKeyType type, int bits)
        {
            if (bits != 0 && bits != 256)
            {
                throw InvalidSize("A " + type + " key always has 256 bits; leave the size out (or give 256) instead of " + bits + ".", bits);
            }
        }

        private static PfaException InvalidSize(string message, int bits) =>
            new PfaException(ErrorIds.SshKeyInvalidSize, PfaErrorKind.InvalidArgument, message, bits);

        private static SshKeyPair GenerateRsa(int bits, string comment, CancellationToken cancellationToken)
        {
            RSAParameters? parameters = TryGeneratePlatformRsa(bits);
            cancellationToken.ThrowIfCancellationRequested();
            if (parameters is RSAParameters p)
            {
                try
                {
                    return SshKeyMaterial.FromRsa(p.Modulus!, p.Exponent!, p.D!, p.InverseQ!, p.P!, p.Q!, comment);
                }
                finally
                {
                    Clear(p.D);
                    Clear(p.P);
                    Clear(p.Q);
                    Clear(p.DP);
                    Clear(p.DQ);
                    Clear(p.InverseQ);
                }
            }

            // Slow fallback: only where the platform cannot make a key of this size.
            var generator = new RsaKeyPairGenerator();
            generator.Init(new RsaKeyGenerationParameters(Org.BouncyCastle.Math.BigInteger.ValueOf(65537), new SecureRandom(), bits, 112));
            AsymmetricCipherKeyPair pair = generator.GenerateKeyPair();
            cancellationToken.ThrowIfCancellationRequested();
            var key = (RsaPrivateCrtKeyParameters)pair.Private;
            byte[] d = key.Exponent.ToByteArrayUnsigned();
            byte[] iqmp = key.QInv.ToByteArrayUnsigned();
            byte[] bp = key.P.ToByteArrayUnsigned();
            byte[] bq = key.Q.ToByteArrayUnsigned();
            try
            {
                return SshKeyMaterial.FromRsa(key.Modulus.ToByteArrayUnsigned(), key.PublicExponent.ToByteArrayUnsigned(), d, iqmp, bp, bq, comment);
            }
            finally
            {
                Clear(d);
                Clear(iqmp);
                Clear(bp);
                Clear(bq);
            }
        }

        private static RSAParameters? TryGeneratePlatformRsa(int bits)
        {
#if NET
            using (RSA rsa = RSA.Create(bits))
            {
                return rsa.ExportParameters(true);
            }
#else
            try
            {
                using (RSA rsa = RSA.Create())
                {
                    rsa.KeySize = bits;
                    RSAParameters p = rsa.ExportParameters(true);
                    if (p.Modulus != null && SshPublicKey.BitLength(p.Modulus) == bits)
                    {
                        return p;
                    }

                    Clear(p.D);
                    Clear(p.P);
                    Clear(p.Q);
                    Clear(p.DP);
                    Clear(p.DQ);
                    Clear(p.InverseQ);
                }

                // .NET Framework: RSA.Create() may be RSACryptoServiceProvider, which ignores KeySize once made.
                using (var csp = new RSACryptoServiceProvider(bits))
                {
                    try
                    {
                        return csp.ExportParameters(true);
                    }
                    finally
                    {
                        csp.PersistKeyInCsp = false;
                    }
                }
            }
            catch (Exception e) when (e is CryptographicException || e is PlatformNotSupportedException)
            {
                return null;
            }
#endif
        }

        private static SshKeyPair GenerateEd25519(string comment)
        {
            var generator = new Ed25519KeyPairGenerator();
            generator.Init(new Ed25519KeyGenerationParameters(new SecureRandom()));
            AsymmetricCipherKeyPair pair = generator.GenerateKeyPair();
            byte[] seed = ((Ed25519PrivateKeyParameters)pair.Private).GetEncoded();
            try
            {
                byte[] publicKey = ((Ed25519PublicKeyParameters)pair.Public).GetEncoded();
                return SshKeyMaterial.FromEd25519(seed, publicKey, comment);
            }
            finally
            {
                Clear(seed);
            }
        }

        private static SshKeyPair GenerateEcdsaP256(string comment)
        {
#if NET
            using (ECDsa ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256))
            {
                ECParameters p = ecdsa.ExportParameters(true);
                byte[] q = new byte[65];
                q[0] = 4;
                Buffer.BlockCopy(p.Q.X!, 0, q, 1, 32);
                Buffer.BlockCopy(p.Q.Y!, 0, q, 33, 32);
                try
                {
                    return SshKeyMaterial.FromEcdsaP256(q, p.D!, comment);
                }
                finally
                {
                    Clear(p.D);
                }
            }
#else
            var generator = new ECKeyPairGenerator();
            var domain = new ECDomainParameters(SshKeyMaterial.P256Curve);
            generator.Init(new ECKeyGenerationParameters(domain, new SecureRandom()));
            AsymmetricCipherKeyPair pair = generator.GenerateKeyPair();
            byte[] d = ((ECPrivateKeyParameters)pair.Private).D.ToByteArrayUnsigned();
            try
            {
                byte[] q = ((ECPublicKeyParameters)pair.Public).Q.Normalize().GetEncoded(false);
                return SshKeyMaterial.FromEcdsaP256(q, d, comment);
            }
            finally
            {
                Clear(d);
            }
#endif
        }

        private static void Clear(byte[]? data)
        {
            if (data != null)
            {
                Array.Clear(data, 0, data.Length);
            }
        }
    }
}
