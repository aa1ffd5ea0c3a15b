using System;
using System.IO;
using System.Linq;
using System.Reflection;
using PfaAzureDevOps.Core.Storage;
using Xunit;

namespace PfaAzureDevOps.NetFx.Tests
{
    /// <summary>The module's .NET Framework resolver: its version rule, whom it answers, and where the engine came from.</summary>
    public sealed class ResolverTests
    {
        private const string MsTokenSystem = "cc7b13ffcd2ddd51";

        public ResolverTests() => NetFxModule.Install();

        private static AssemblyName Name(string text) => new AssemblyName(text);

        [Fact]
        public void A_higher_or_equal_shipped_version_serves_the_request()
        {
            Assert.True(NetFxModule.Serves(Name($"System.Memory, Version=4.0.1.1, Culture=neutral, PublicKeyToken={MsTokenSystem}"), Name($"System.Memory, Version=4.0.5.0, Culture=neutral, PublicKeyToken={MsTokenSystem}")));
            Assert.True(NetFxModule.Serves(Name($"System.Memory, Version=4.0.5.0, Culture=neutral, PublicKeyToken={MsTokenSystem}"), Name($"System.Memory, Version=4.0.5.0, Culture=neutral, PublicKeyToken={MsTokenSystem}")));
            Assert.True(NetFxModule.Serves(Name("System.Memory"), Name($"System.Memory, Version=4.0.5.0, Culture=neutral, PublicKeyToken={MsTokenSystem}")));
        }

        [Fact]
        public void A_lower_shipped_version_another_name_or_another_signer_is_declined()
        {
            Assert.False(NetFxModule.Serves(Name($"System.Text.Json, Version=10.0.0.13, Culture=neutral, PublicKeyToken={MsTokenSystem}"), Name($"System.Text.Json, Version=10.0.0.12, Culture=neutral, PublicKeyToken={MsTokenSystem}")));
            Assert.False(NetFxModule.Serves(Name("System.Memory, Version=4.0.1.1"), Name("System.Buffers, Version=4.0.5.0")));
            Assert.False(NetFxModule.Serves(Name($"System.Memory, Version=4.0.1.1, Culture=neutral, PublicKeyToken={MsTokenSystem}"), Name("System.Memory, Version=4.0.5.0, Culture=neutral, PublicKeyToken=0123456789abcdef")));
            Assert.False(NetFxModule.Serves(Name($"System.Memory, Version=4.0.1.1, Culture=neutral, PublicKeyToken={MsTokenSystem}"), Name("System.Memory, Version=4.0.5.0")));
        }

        [Fact]
        public void Requests_from_the_module_are_answered_from_dependencies_netfx()
        {
            string engine = NetFxModule.Choose("PfaAzureDevOps.Core, Version=0.0.0.0, Culture=neutral, PublicKeyToken=null", Path.Combine(NetFxModule.ModuleRoot, "PfaAzureDevOps.dll"))!;
            Assert.Equal(Path.Combine(NetFxModule.NetfxFolder, "PfaAzureDevOps.Core.dll"), engine);
            // MSAL asks for System.Memory 4.0.1.x; the folder has a higher one: served (no binding redirect exists for a module).
            string memory = NetFxModule.Choose($"System.Memory, Version=4.0.1.1, Culture=neutral, PublicKeyToken={MsTokenSystem}", Path.Combine(NetFxModule.NetfxFolder, "Microsoft.Identity.Client.dll"))!;
            Assert.Equal(Path.Combine(NetFxModule.NetfxFolder, "System.Memory.dll"), memory);
            // No requester known (Assembly.Load by name inside a dependency): answered too.
            Assert.NotNull(NetFxModule.Choose("Renci.SshNet", null));
        }

        [Fact]
        public void Requests_from_other_modules_and_for_unshipped_or_odd_names_are_declined()
        {
            string other = Path.Combine(Path.GetTempPath(), "Modules", "Az.Accounts", "Microsoft.Azure.PowerShell.Authentication.dll");
            Assert.Null(NetFxModule.Choose($"System.Memory, Version=4.0.1.1, Culture=neutral, PublicKeyToken={MsTokenSystem}", other));
            Assert.Null(NetFxModule.Choose("Microsoft.Identity.Client, Version=4.92.0.0, Culture=neutral, PublicKeyToken=0a613f4dd989e8ae", string.Empty));
            Assert.Null(NetFxModule.Choose("Newtonsoft.Json, Version=13.0.0.0, Culture=neutral, PublicKeyToken=30ad4fe6b2a6aeed", null));
            Assert.Null(NetFxModule.Choose("..\\..\\PfaAzureDevOps", null));
            Assert.Null(NetFxModule.Choose("Microsoft.Identity.Client, Version=99.0.0.0, Culture=neutral, PublicKeyToken=0a613f4dd989e8ae", null));
        }

        [Fact]
        public void The_engine_and_its_dependencies_load_from_dependencies_netfx()
        {
            string location = EngineLocation();
            Assert.Equal(Path.Combine(NetFxModule.NetfxFolder, "PfaAzureDevOps.Core.dll"), location);

            // Nothing of the closure may sit beside this test assembly, or the runtime (or a runner's resolver for the test's
            // folder) would find it there first. Its own folder, not the domain's base: see NetFxModule.TestFolder.
            string[] shipped = Directory.GetFiles(NetFxModule.NetfxFolder, "*.dll").Select(Path.GetFileName).ToArray()!;
            string[] beside = Directory.GetFiles(NetFxModule.TestFolder, "*.dll").Select(Path.GetFileName).ToArray()!;
            Assert.Contains("PfaAzureDevOps.NetFx.Tests.dll", beside);
            Assert.Empty(shipped.Intersect(beside, StringComparer.OrdinalIgnoreCase));
        }

        [Fact]
        public void Every_loaded_assembly_named_like_a_shipped_one_came_from_the_folder()
        {
            // Drive a path that loads MSAL's, SSH.NET's and System.Text.Json's closure, then look at what the runtime took.
            TouchDependencies();
            string[] shipped = Directory.GetFiles(NetFxModule.NetfxFolder, "*.dll").Select(p => Path.GetFileNameWithoutExtension(p)).ToArray();
            var wrong = AppDomain.CurrentDomain.GetAssemblies()
                .Where(a => !a.IsDynamic && shipped.Contains(a.GetName().Name, StringComparer.OrdinalIgnoreCase))
                .Where(a => !string.Equals(Path.GetDirectoryName(a.Location), NetFxModule.NetfxFolder, StringComparison.Ordinal))
                .Where(a => !MonoSubstitutes(a) && !LoadedByTheTestHost(a))
                .Select(a => a.GetName().Name + " from " + a.Location)
                .ToList();
            Assert.Empty(wrong);
            // And the check saw what it should: MSAL and SSH.NET, as the engine bound them, came from the folder.
            Assert.Equal(Path.Combine(NetFxModule.NetfxFolder, "Microsoft.Identity.Client.dll"), EngineFlows.MsalAsBoundByTheEngine().Location);
            Assert.Equal(Path.Combine(NetFxModule.NetfxFolder, "Renci.SshNet.dll"), EngineFlows.SshNetAsBoundByTheEngine().Location);
        }

        /// <summary>Mono answers a few facade names with its own framework copies before any resolver runs (.NET Framework does not).</summary>
        private static bool MonoSubstitutes(Assembly assembly) =>
            NetFxModule.OnMono && assembly.Location.StartsWith("/usr/lib/mono/", StringComparison.Ordinal);

        /// <summary>
        /// The test host (vstest's .NET Framework host, from the SDK's folder, or xunit.console under -noappdomain, from its
        /// package's folder) shares this AppDomain and sometimes loads its own System.ValueTuple facade before the engine asks
        /// for one (seen once in four full runs). That copy is the runner's, not a choice of our resolver; Windows PowerShell
        /// has no such host in its domain.
        /// </summary>
        private static bool LoadedByTheTestHost(Assembly assembly)
        {
            string location = assembly.Location;
            if (NetFxModule.OnMono && location.StartsWith("/usr/share/dotnet/", StringComparison.Ordinal))
            {
                return true;
            }

            string? entry = Assembly.GetEntryAssembly()?.Location;
            if (string.IsNullOrEmpty(entry))
            {
                return false;
            }

            string root = Path.GetDirectoryName(entry) ?? string.Empty;
            string sdk = Path.DirectorySeparatorChar + "sdk" + Path.DirectorySeparatorChar;
            int at = root.IndexOf(sdk, StringComparison.Ordinal);
            if (at >= 0)
            {
                root = root.Substring(0, at + sdk.Length);
            }

            return root.Length > 0 && location.StartsWith(root, StringComparison.Ordinal);
        }

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        private static string EngineLocation() => typeof(StateStore).Assembly.Location;

        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
        private static void TouchDependencies()
        {
            string root = NetFxModule.NewTemporaryFolder();
            try
            {
                EngineFlows.BuildPublicClientAndReadAccounts(root);
                EngineFlows.ParseKeyWithSshNet(root);
            }
            finally
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }
}
