using System;
using System.Collections.Generic;
using System.Security.Cryptography;
using System.Text;
using PfaAzureDevOps.Core.Ssh;

namespace PfaAzureDevOps.Core.SshTransport
{
    /// <summary>One line of an OpenSSH known_hosts file (plain, wildcard, negated, hashed |1| and [host]:port forms).</summary>
    internal sealed class KnownHostEntry
    {
        private readonly string[] _patterns;
        private readonly byte[]? _salt;
        private readonly byte[]? _hash;
        private readonly byte[] _key;

        private KnownHostEntry(string[] patterns, byte[]? salt, byte[]? hash, string keyType, byte[] key, bool revoked)
        {
            _patterns = patterns;
            _salt = salt;
            _hash = hash;
            KeyType = keyType;
            _key = key;
            IsRevoked = revoked;
            Fingerprint = SshFingerprint.Sha256(key);
        }

        public string KeyType { get; }

        public bool IsRevoked { get; }

        public string Fingerprint { get; }

        public bool HasKey(byte[] blob)
        {
            if (blob.Length != _key.Length)
            {
                return false;
            }

            for (int i = 0; i < blob.Length; i++)
            {
                if (blob[i] != _key[i])
                {
                    return false;
                }
            }

            return true;
        }

        public static List<KnownHostEntry> ParseAll(string text)
        {
            var list = new List<KnownHostEntry>();
            foreach (string raw in text.Split('\n'))
            {
                string line = raw.Trim();
                if (line.Length == 0 || line[0] == '#')
                {
                    continue;
                }

                string[] fields = line.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);
                int index = 0;
                bool revoked = false;
                if (fields[0].StartsWith("@", StringComparison.Ordinal))
                {
                    if (fields[0] == "@revoked")
                    {
                        revoked = true;
                    }
                    else
                    {
                        continue; // @cert-authority: certificates are not supported; skip rather than trust.
                    }

                    index = 1;
                }

                if (fields.Length < index + 3)
                {
                    continue;
                }

                byte[] key;
                try
                {
                    key = Convert.FromBase64String(fields[index + 2]);
                }
                catch (FormatException)
                {
                    continue;
                }

                string keyType = SshFingerprint.ReadKeyType(key);
                if (!string.Equals(keyType, fields[index + 1], StringComparison.Ordinal))
                {
                    continue;
                }

                string hosts = fields[index];
                if (hosts.StartsWith("|1|", StringComparison.Ordinal))
                {
                    string[] parts = hosts.Split('|');
                    if (parts.Length != 4)
                    {
                        continue;
                    }

                    try
                    {
                        list.Add(new KnownHostEntry(Array.Empty<string>(), Convert.FromBase64String(parts[2]), Convert.FromBase64String(parts[3]), keyType, key, revoked));
                    }
                    catch (FormatException)
                    {
                    }

                    continue;
                }

                list.Add(new KnownHostEntry(hosts.Split(','), null, null, keyType, key, revoked));
            }

            return list;
        }

        public bool Matches(string host, int port)
        {
            string name = port == SshEndpoint.DefaultPort ? host.ToLowerInvariant() : "[" + host.ToLowerInvariant() + "]:" + port;
            if (_salt != null && _hash != null)
            {
                using (var hmac = new HMACSHA1(_salt))
                {
                    byte[] computed = hmac.ComputeHash(Encoding.UTF8.GetBytes(name));
                    if (computed.Length != _hash.Length)
                    {
                        return false;
                    }

                    int diff = 0;
                    for (int i = 0; i < computed.Length; i++)
                    {
                        diff |= computed[i] ^ _hash[i];
                    }

                    return diff == 0;
                }
            }

            bool matched = false;
            foreach (string pattern in _patterns)
            {
                bool negated = pattern.StartsWith("!", StringComparison.Ordinal);
                string p = (negated ? pattern.Substring(1) : pattern).ToLowerInvariant();
                if (Wildcard(p, name))
                {
                    if (negated)
                    {
                        return false;
                    }

                    matched = true;
                }
            }

            return matched;
        }

        private static bool Wildcard(string pattern, string text)
        {
            int p = 0, t = 0, star = -1, mark = 0;
            while (t < text.Length)
            {
                if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == text[t]))
                {
                    p++;
                    t++;
                }
                else if (p < pattern.Length && pattern[p] == '*')
                {
                    star = p++;
                    mark = t;
                }
                else if (star >= 0)
                {
                    p = star + 1;
                    t = ++mark;
                }
                else
                {
                    return false;
                }
            }

            while (p < pattern.Length && pattern[p] == '*')
            {
                p++;
            }

            return p == pattern.Length;
        }
    }
}
