using System;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Math.EC;
using PfaAzureDevOps.Core.Errors;

namespace PfaAzureDevOps.Core.Ssh
{
    /// <summary>Builds key pairs from raw components and checks that loaded components belong together.</summary>
    internal static class SshKeyMaterial
    {
        private static readonly Lazy<X9ECParameters> P256 = new Lazy<X9ECParameters>(() => ECNamedCurveTable.GetByName("P-256"));

        public static X9ECParameters P256Curve => P256.Value;

        /// <summary>All arrays unsigned big-endian; the caller clears its copies.</summary>
        public static SshKeyPair FromRsa(byte[] n, byte[] e, byte[] d, byte[] iqmp, byte[] p, byte[] q, string comment)
        {
            byte[] blob;
            using (var pub = new SshWireWriter())
            {
                pub.WriteString(SshPublicKey.RsaName);
                pub.WriteMpint(e);
                pub.WriteMpint(n);
                blob = pub.ToArray();
            }

            using (var priv = new SshWireWriter(4096))
            {
                priv.WriteMpint(n);
                priv.WriteMpint(e);
                priv.WriteMpint(d);
                priv.WriteMpint(iqmp);
                priv.WriteMpint(p);
                priv.WriteMpint(q);
                var publicKey = SshPublicKey.FromTrustedBlob(SshKeyType.Rsa, blob, SshPublicKey.BitLength(n), comment);
                return new SshKeyPair(publicKey, priv.ToArray());
            }
        }

        public static SshKeyPair FromEd25519(byte[] seed, byte[] publicKey, string comment)
        {
            byte[] blob;
            using (var pub = new SshWireWriter())
            {
                pub.WriteString(SshPublicKey.Ed25519Name);
                pub.WriteString(publicKey);
                blob = pub.ToArray();
            }

            byte[] secret = new byte[64];
            using (var priv = new SshWireWriter())
            {
                try
                {
                    Buffer.BlockCopy(seed, 0, secret, 0, 32);
                    Buffer.BlockCopy(publicKey, 0, secret, 32, 32);
                    priv.WriteString(publicKey);
                    priv.WriteString(secret);
                }
                finally
                {
                    Array.Clear(secret, 0, secret.Length);
                }

                return new SshKeyPair(SshPublicKey.FromTrustedBlob(SshKeyType.Ed25519, blob, 256, comment), priv.ToArray());
            }
        }

        /// <summary><paramref name="q"/> is the uncompressed point (0x04 || x || y).</summary>
        public static SshKeyPair FromEcdsaP256(byte[] q, byte[] d, string comment)
        {
            byte[] blob;
            using (var pub = new SshWireWriter())
            {
                pub.WriteString(SshPublicKey.EcdsaP256Name);
                pub.WriteString(SshPublicKey.P256CurveName);
                pub.WriteString(q);
                blob = pub.ToArray();
            }

            using (var priv = new SshWireWriter())
            {
                priv.WriteString(SshPublicKey.P256CurveName);
                priv.WriteString(q);
                priv.WriteMpint(d);
                return new SshKeyPair(SshPublicKey.FromTrustedBlob(SshKeyType.EcdsaP256, blob, 256, comment), priv.ToArray());
            }
        }

        public static byte[] P256PublicFromPrivate(BigInteger d)
        {
            ECPoint point = P256Curve.G.Multiply(d).Normalize();
            return point.GetEncoded(false);
        }

        /// <summary>
        /// Reads the type-specific private fields at the reader's position, checks the components belong together,
        /// and returns the key pair (a fresh copy of the fields). Throws <see cref="SshWireException"/> on any inconsistency.
        /// </summary>
        public static SshKeyPair ReadPrivateFields(string typeName, SshWireReader reader, Func<string> readComment)
        {
            switch (typeName)
            {
                case SshPublicKey.RsaName:
                {
                    byte[] n = reader.ReadPositiveMpint();
                    byte[] e = reader.ReadPositiveMpint();
                    byte[] d = reader.ReadPositiveMpint();
                    byte[] iqmp = reader.ReadPositiveMpint();
                    byte[] p = reader.ReadPositiveMpint();
                    byte[] q = reader.ReadPositiveMpint();
                    try
                    {
                        var bn = new BigInteger(1, n);
                        var bp = new BigInteger(1, p);
                        var bq = new BigInteger(1, q);
                        var bd = new BigInteger(1, d);
                        var be = new BigInteger(1, e);
                        if (bp.SignValue <= 0 || bq.SignValue <= 0 || !bp.Multiply(bq).Equals(bn)
                            || !new BigInteger(1, iqmp).Multiply(bq).Mod(bp).Equals(BigInteger.One)
                            || !be.Multiply(bd).Mod(bp.Subtract(BigInteger.One)).Equals(BigInteger.One))
                        {
                            throw new SshWireException("the RSA numbers do not belong together");
                        }

                        return FromRsa(n, e, d, iqmp, p, q, readComment());
                    }
                    finally
                    {
                        Array.Clear(d, 0, d.Length);
                        Array.Clear(iqmp, 0, iqmp.Length);
                        Array.Clear(p, 0, p.Length);
                        Array.Clear(q, 0, q.Length);
                    }
                }

                case SshPublicKey.Ed25519Name:
                {
                    byte[] pk = reader.ReadString();
                    byte[] sk = reader.ReadString();
                    byte[] seed = new byte[32];
                    try
                    {
                        if (pk.Length != 32 || sk.Length != 64 || !sk.AsSpan(32).SequenceEqual(pk))
                        {
                            throw new SshWireException("the Ed25519 fields have the wrong size or disagree");
                        }

                        Buffer.BlockCopy(sk, 0, seed, 0, 32);
                        var derived = new Ed25519PrivateKeyParameters(seed, 0).GeneratePublicKey().GetEncoded();
                        if (!derived.AsSpan().SequenceEqual(pk))
                        {
                            throw new SshWireException("the Ed25519 private key does not match its public key");
                        }

                        return FromEd25519(seed, pk, readComment());
                    }
                    finally
                    {
                        Array.Clear(sk, 0, sk.Length);
                        Array.Clear(seed, 0, seed.Length);
                    }
                }

                case SshPublicKey.EcdsaP256Name:
                {
                    if (reader.ReadAsciiString() != SshPublicKey.P256CurveName)
                    {
                        throw new SshWireException("the curve name disagrees with the key type");
                    }

                    byte[] q = reader.ReadString();
                    byte[] d = reader.ReadPositiveMpint();
                    try
                    {
                        SshPublicKey.ValidateP256Point(q);
                        var bd = new BigInteger(1, d);
                        if (bd.SignValue <= 0 || bd.CompareTo(P256Curve.N) >= 0 || !P256PublicFromPrivate(bd).AsSpan().SequenceEqual(q))
                        {
                            throw new SshWireException("the ECDSA private key does not match its public key");
                        }

                        return FromEcdsaP256(q, d, readComment());
                    }
                    finally
                    {
                        Array.Clear(d, 0, d.Length);
                    }
                }

                default:
                    throw new PfaException(
                        ErrorIds.SshPrivateKeyUnsupported,
                        PfaErrorKind.InvalidData,
                        "The private key is of type '" + typeName + "', which is not supported. Use an RSA (the only type Azure DevOps accepts), Ed25519 or ECDSA P-256 key.");
            }
        }
    }
}
