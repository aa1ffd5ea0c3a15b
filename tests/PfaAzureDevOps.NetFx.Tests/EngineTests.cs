using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;
using System.Threading;
using PfaAzureDevOps.Core;
using PfaAzureDevOps.Core.Ssh;
using PfaAzureDevOps.Core.Storage;
using Xunit;

namespace PfaAzureDevOps.NetFx.Tests
{
    /// <summary>The net472 engine from dependencies/netfx: keys, the store, the vault, MSAL's client.</summary>
    public sealed class EngineTests : IDisposable
    {
        private readonly string _root;

        public EngineTests()
        {
            NetFxModule.Install();
            _root = NetFxModule.NewTemporaryFolder();
        }

        public void Dispose() => Directory.Delete(_root, recursive: true);

        [Fact]
        public void Generates_an_RSA_key_and_exports_what_ssh_keygen_reads()
        {
            string[] result = RsaRoundTrip(_root);
            Assert.Equal(result[0], result[1]);
            // The platform made a key of the size asked for (an RSACryptoServiceProvider left at its own 1024 would not), and
            // ssh-keygen reads that size from the engine's export.
            Assert.Equal(SharedRsaKey.Bits, SharedRsaKey.PlatformBits);
            Assert.StartsWith(SharedRsaKey.Bits.ToString(System.Globalization.CultureInfo.InvariantCulture) + " MD5:" + result[3] + " ", result[2]);
        }

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        private static string[] RsaRoundTrip(string root)
        {
            // The one RSA key of this run (SharedRsaKey: generating RSA on Mono costs seconds of CPU), made by the engine's
            // generator on .NET Framework's RSA: its OpenSSH export must give ssh-keygen the same public key and MD5 fingerprint.
            string file = WritePrivate(root, "id_rsa_pfa", SharedRsaKey.PrivateKey);
            File.WriteAllText(file + ".pub", SharedRsaKey.PublicKeyLine + "\n");
            string derived = NetFxModule.Run("ssh-keygen", "-y -f \"" + file + "\"", out int exit).Trim();
            Assert.Equal(0, exit);
            string fingerprint = NetFxModule.Run("ssh-keygen", "-l -E md5 -f \"" + file + ".pub\"", out exit);
            Assert.Equal(0, exit);
            return new[] { string.Join(" ", SharedRsaKey.PublicKeyLine.Split(' ').Take(2)), string.Join(" ", derived.Split(' ').Take(2)), fingerprint, SharedRsaKey.Md5Fingerprint };
        }

        [Fact]
        public void Exports_an_encrypted_Ed25519_key_that_ssh_keygen_opens_only_with_the_passphrase()
        {
            Assert.True(EncryptedExport(_root));
        }

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        private static bool EncryptedExport(string root)
        {
            using (SshKeyPair pair = SshKeyGenerator.Generate(SshKeyType.Ed25519, 0, "netfx-ed", CancellationToken.None))
            {
                string file = WritePrivate(root, "id_ed_pfa", pair.ToOpenSshPrivateKey("correct horse"));
                NetFxModule.Run("ssh-keygen", "-y -P wrong -f \"" + file + "\"", out int wrongExit);
                Assert.NotEqual(0, wrongExit);
                string derived = NetFxModule.Run("ssh-keygen", "-y -P \"correct horse\" -f \"" + file + "\"", out int exit);
                Assert.Equal(0, exit);
                // And the engine reads its own encrypted export back (bcrypt KDF + AES-CTR on .NET Framework's crypto).
                using (SshKeyPair back = PfaAzureDevOps.Core.Ssh.SshPrivateKey.Load(File.ReadAllText(file), "correct horse"))
                {
                    Assert.Equal(pair.PublicKeyLine, back.PublicKeyLine);
                }

                return derived.StartsWith(string.Join(" ", pair.PublicKeyLine.Split(' ').Take(2)), StringComparison.Ordinal);
            }
        }

        private static string WritePrivate(string root, string name, string text)
        {
            string file = Path.Combine(root, name);
            File.WriteAllText(file, text);
            NetFxModule.Run("chmod", "600 \"" + file + "\"", out int _);
            return file;
        }

        [Fact]
        public void The_store_replaces_documents_atomically_and_reports_a_corrupt_file_without_overwriting_it()
        {
            Assert.Equal("StoreFileCorrupt", StoreRoundTrip(_root));
        }

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        private static string StoreRoundTrip(string root)
        {
            var store = new StateStore(StateScope.CurrentUser, root);
            store.Write(StoredSshKey.FileName, EngineFlows.Document("first"), ownerOnly: false);
            store.Write(StoredSshKey.FileName, EngineFlows.Document("second"), ownerOnly: true);
            string path = store.GetPath(StoredSshKey.FileName);
            Assert.Equal("second", store.Read<StoredSshKey>(StoredSshKey.FileName, StoredSshKey.DocumentKind, StoredSshKey.CurrentVersion)!.Comment);
            Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, "*.tmp"));
            using (store.Lock("netfx-test", TimeSpan.FromSeconds(5)))
            {
            }

            File.WriteAllText(path, "{ not json");
            PfaException ex = Assert.Throws<PfaException>(() => store.Read<StoredSshKey>(StoredSshKey.FileName, StoredSshKey.DocumentKind, StoredSshKey.CurrentVersion));
            Assert.Equal("{ not json", File.ReadAllText(path));
            Assert.Contains(path, ex.Message);
            return ex.ErrorId;
        }

        [Fact(Skip = "Mono-only gap, not a .NET Framework one: on Linux, MSAL's storage extension (netstandard2.0) writes its owner-only file through libc creat() and a FileStream over that handle, which under Mono 6.8 leaves the file empty (measured: 0 bytes, then ReadData returns nothing). Windows PowerShell takes MSAL's DPAPI path instead, which cannot run here; see WindowsSecretProtection in the README's verified-on table.")]
        public void The_vault_keeps_a_secret_through_MSALs_storage_extension()
        {
            Assert.Equal("s3cr3t-value", VaultRoundTrip(_root));
        }

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        private static string VaultRoundTrip(string root)
        {
            var vault = new SecretVault(new StateStore(StateScope.CurrentUser, root));
            vault.Write("netfx-secret", Encoding.UTF8.GetBytes("s3cr3t-value"));
            string back = Encoding.UTF8.GetString(vault.Read("netfx-secret")!);
            vault.Delete("netfx-secret");
            Assert.Null(vault.Read("netfx-secret"));
            return back;
        }

        [Fact]
        public void MSAL_builds_a_public_client_and_reads_its_empty_cache()
        {
            Assert.Equal(0, EngineFlows.BuildPublicClientAndReadAccounts(_root));
            Assert.Equal(Path.Combine(NetFxModule.NetfxFolder, "Microsoft.Identity.Client.dll"), EngineFlows.MsalAsBoundByTheEngine().Location);
        }

        /// <summary>
        /// The five Windows-only packages must arrive as their .NET Framework files (type forwards to the framework), never
        /// as lib/netstandard2.0 stubs whose members only throw PlatformNotSupportedException. Mono runs the framework types
        /// they forward to, so a stub fails here exactly where it would fail on Windows PowerShell.
        /// </summary>
        [Fact]
        public void The_Windows_only_assemblies_in_netfx_forward_to_working_framework_types()
        {
            object identity = Invoke("System.Security.Principal.Windows", "System.Security.Principal.WindowsIdentity", "GetCurrent");
            Assert.False(string.IsNullOrEmpty((string)identity.GetType().GetProperty("Name")!.GetValue(identity)!));

            Type fileSecurity = Shipped("System.IO.FileSystem.AccessControl", "System.Security.AccessControl.FileSecurity");
            object security = Activator.CreateInstance(fileSecurity)!;
            Assert.Equal("mscorlib", fileSecurity.Assembly.GetName().Name);
            Assert.NotNull(security);

            Type rule = Shipped("System.Security.AccessControl", "System.Security.AccessControl.AccessControlType");
            Assert.Equal("mscorlib", rule.Assembly.GetName().Name);

            Type protectedData = Shipped("System.Security.Cryptography.ProtectedData", "System.Security.Cryptography.ProtectedData");
            Type scope = Shipped("System.Security.Cryptography.ProtectedData", "System.Security.Cryptography.DataProtectionScope");
            byte[] secret = { 1, 2, 3, 4 };
            byte[] sealedBytes = (byte[])protectedData.GetMethod("Protect")!.Invoke(null, new object?[] { secret, null, Enum.Parse(scope, "CurrentUser") })!;
            byte[] opened = (byte[])protectedData.GetMethod("Unprotect")!.Invoke(null, new object?[] { sealedBytes, null, Enum.Parse(scope, "CurrentUser") })!;
            Assert.Equal(secret, opened);

            // System.Security.Cryptography.Cng is part of .NET Framework 4.7.2 (System.Core): it must not be shipped at all.
            Assert.False(File.Exists(Path.Combine(NetFxModule.NetfxFolder, "System.Security.Cryptography.Cng.dll")));
        }

        /// <summary>
        /// The owner-only ACL the engine puts on private files on Windows, read back by the .NET Framework ACL classes (Mono's
        /// managed implementation of them): protected, owned by the user, one rule granting the user full control. Creating a
        /// file with it (CreateFile with a security descriptor) is the one part only Windows can run.
        /// </summary>
        [Fact]
        public void The_owner_only_ACL_parses_into_one_full_control_rule_for_the_user_alone()
        {
            string[] seen = OwnerOnlyAcl("S-1-5-21-3623811015-3361044348-30300820-1013");
            Assert.Equal(new[] { "S-1-5-21-3623811015-3361044348-30300820-1013", "True", "1", "S-1-5-21-3623811015-3361044348-30300820-1013 AccessAllowed FullControl" }, seen);
        }

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        private static string[] OwnerOnlyAcl(string sid)
        {
            string sddl = PfaAzureDevOps.Core.Platform.WindowsOwnerOnlyFile.Sddl(sid);
            // Mono's SDDL parser reads hex digits greedily, so "O:S-1-...-1013D:" loses the owner's end (Windows does not):
            // it gets the owner SID and the DACL separately; the whole string is checked in the engine's unit tests.
            int dacl = sddl.IndexOf("D:", StringComparison.Ordinal);
            Assert.StartsWith("O:", sddl, StringComparison.Ordinal);
            var owner = new System.Security.Principal.SecurityIdentifier(sddl.Substring(2, dacl - 2));
            var descriptor = new System.Security.AccessControl.RawSecurityDescriptor(sddl.Substring(dacl));
            var aces = descriptor.DiscretionaryAcl!.Cast<System.Security.AccessControl.CommonAce>().ToList();
            return new[]
            {
                owner.Value,
                ((descriptor.ControlFlags & System.Security.AccessControl.ControlFlags.DiscretionaryAclProtected) != 0).ToString(),
                aces.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                string.Join(";", aces.Select(a => a.SecurityIdentifier.Value + " " + a.AceQualifier + " " + (System.Security.AccessControl.FileSystemRights)a.AccessMask + (a.IsInherited ? " inherited" : string.Empty))),
            };
        }

        private static Type Shipped(string assembly, string type)
        {
            string path = Path.Combine(NetFxModule.NetfxFolder, assembly + ".dll");
            Assert.True(File.Exists(path), path + " is not shipped.");
            return Assembly.LoadFrom(path).GetType(type, throwOnError: true)!;
        }

        private static object Invoke(string assembly, string type, string method)
        {
            try
            {
                return Shipped(assembly, type).GetMethod(method, Type.EmptyTypes)!.Invoke(null, null)!;
            }
            catch (TargetInvocationException ex) when (ex.InnerException is PlatformNotSupportedException)
            {
                throw new Xunit.Sdk.XunitException($"{assembly}.dll in dependencies/netfx is a PlatformNotSupportedException stub: {ex.InnerException.Message}");
            }
        }
    }
}
