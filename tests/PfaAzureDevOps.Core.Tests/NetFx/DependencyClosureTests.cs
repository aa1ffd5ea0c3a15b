using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;
using Xunit;
using Xunit.Abstractions;

namespace PfaAzureDevOps.Core.Tests.NetFx
{
    /// <summary>
    /// The packaged module's Windows PowerShell 5.1 closure, read statically (System.Reflection.Metadata), because the
    /// Mono run binds loosely and cannot prove .NET Framework's strict binding: every reference of every assembly in
    /// dependencies/netfx and of the cmdlets assembly is part of .NET Framework 4.7.2 (at a version it has) or shipped in
    /// the folder at a version the module's resolver hands out (at least the one asked for, same public key token); nothing
    /// is a modern-runtime-only assembly or a PlatformNotSupportedException stub.
    /// </summary>
    public sealed class DependencyClosureTests
    {
        /// <summary>
        /// References the host or a feature we never use provides. PowerShell 5.1 itself provides System.Management.Automation
        /// 3.0.0.0. MSAL's .NET Framework build references Windows Forms / WebView2 only for its embedded browser, which the
        /// engine never asks for (it uses the system browser, device code or the instance's callback).
        /// </summary>
        private static readonly Dictionary<string, string> ProvidedElsewhere = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["System.Management.Automation"] = "3.0.0.0",
        };

        private static readonly string[] ModernOnly = { "System.Private.CoreLib", "System.Runtime.Loader", "System.Private.Uri", "Microsoft.Win32.Registry.AccessControl" };

        private readonly ITestOutputHelper _output;

        public DependencyClosureTests(ITestOutputHelper output) => _output = output;

        [Fact]
        public void Every_reference_is_in_the_framework_or_shipped_at_a_version_the_resolver_serves()
        {
            Dictionary<string, AssemblyIdentity> framework = FrameworkAssemblies();
            Dictionary<string, AssemblyIdentity> shipped = ShippedAssemblies().ToDictionary(a => a.Identity.Name, a => a.Identity, StringComparer.OrdinalIgnoreCase);
            var problems = new List<string>();
            var gaps = new List<string>();
            var tokens = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

            foreach (ShippedAssembly assembly in ShippedAssemblies())
            {
                foreach (AssemblyIdentity reference in assembly.References)
                {
                    string who = $"{assembly.Identity.Name} -> {reference}";
                    if (ModernOnly.Contains(reference.Name, StringComparer.OrdinalIgnoreCase))
                    {
                        problems.Add(who + ": a modern-runtime-only assembly, absent from .NET Framework");
                        continue;
                    }

                    if (shipped.TryGetValue(reference.Name, out AssemblyIdentity? ours))
                    {
                        if (!ResolverServes(reference, ours))
                        {
                            problems.Add($"{who}: the folder has {ours.Version} ({ours.Token}), which the resolver does not hand out for this request");
                        }
                        else if (reference.Version != ours.Version)
                        {
                            gaps.Add($"{who} (served by {ours.Version})");
                        }

                        if (tokens.TryGetValue(reference.Name, out string? token) && token != reference.Token)
                        {
                            problems.Add($"{who}: another shipped assembly asks for it with public key token {token}");
                        }

                        tokens[reference.Name] = reference.Token;
                    }
                    else if (framework.TryGetValue(reference.Name, out AssemblyIdentity? inBox))
                    {
                        if (inBox.Version < reference.Version)
                        {
                            problems.Add($"{who}: .NET Framework 4.7.2 has only {inBox.Version}");
                        }
                    }
                    else if (ProvidedElsewhere.TryGetValue(reference.Name, out string? provided))
                    {
                        if (new Version(provided) < reference.Version)
                        {
                            problems.Add($"{who}: the host provides only {provided}");
                        }
                    }
                    else
                    {
                        problems.Add(who + ": neither part of .NET Framework 4.7.2 nor shipped in dependencies/netfx");
                    }
                }
            }

            foreach (string gap in gaps.Distinct())
            {
                _output.WriteLine("served by a higher version (no binding redirect exists for a module; the resolver answers): " + gap);
            }

            Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems.Distinct()));
        }

        [Fact]
        public void The_engine_in_netfx_is_the_NET_Framework_build()
        {
            ShippedAssembly engine = ShippedAssemblies().Single(a => a.Identity.Name == "PfaAzureDevOps.Core");
            Assert.Equal(".NETFramework,Version=v4.7.2", engine.TargetFramework);
            Assert.Contains(engine.References, r => r.Name == "mscorlib");
        }

        /// <summary>
        /// The cmdlets assembly is compiled against the netstandard2.0 engine but runs the net472 one on Windows PowerShell:
        /// every engine type and member it names must exist there (same name, same parameter count), or 5.1 fails with
        /// TypeLoadException / MissingMethodException where PowerShell 7 works.
        /// </summary>
        [Fact]
        public void Every_engine_member_the_cmdlets_use_exists_in_the_NET_Framework_engine()
        {
            string root = ModuleRoot();
            using var cmdletsStream = File.OpenRead(Path.Combine(root, "PfaAzureDevOps.dll"));
            using var cmdletsPe = new PEReader(cmdletsStream);
            MetadataReader cmdlets = cmdletsPe.GetMetadataReader();
            using var engineStream = File.OpenRead(Path.Combine(root, "dependencies", "netfx", "PfaAzureDevOps.Core.dll"));
            using var enginePe = new PEReader(engineStream);
            MetadataReader engine = enginePe.GetMetadataReader();

            var types = new Dictionary<string, TypeDefinition>(StringComparer.Ordinal);
            foreach (TypeDefinitionHandle handle in engine.TypeDefinitions)
            {
                types[FullName(engine, handle)] = engine.GetTypeDefinition(handle);
            }

            var missing = new List<string>();
            int checkedMembers = 0;
            foreach (MemberReferenceHandle handle in cmdlets.MemberReferences)
            {
                MemberReference member = cmdlets.GetMemberReference(handle);
                if (member.Parent.Kind != HandleKind.TypeReference || !FromEngine(cmdlets, (TypeReferenceHandle)member.Parent))
                {
                    continue;
                }

                string typeName = FullName(cmdlets, (TypeReferenceHandle)member.Parent);
                string name = cmdlets.GetString(member.Name);
                if (!types.TryGetValue(typeName, out TypeDefinition type))
                {
                    missing.Add(typeName + " (type)");
                    continue;
                }

                checkedMembers++;
                bool found = member.GetKind() == MemberReferenceKind.Field
                    ? type.GetFields().Any(f => engine.GetString(engine.GetFieldDefinition(f).Name) == name)
                    : type.GetMethods().Any(m => engine.GetString(engine.GetMethodDefinition(m).Name) == name
                        && engine.GetMethodDefinition(m).GetParameters().Count(p => engine.GetParameter(p).SequenceNumber > 0) == ParameterCount(cmdlets, member));
                if (!found)
                {
                    missing.Add(typeName + "." + name);
                }
            }

            foreach (TypeReferenceHandle handle in cmdlets.TypeReferences)
            {
                if (FromEngine(cmdlets, handle) && !types.ContainsKey(FullName(cmdlets, handle)))
                {
                    missing.Add(FullName(cmdlets, handle) + " (type)");
                }
            }

            Assert.True(checkedMembers > 20, $"only {checkedMembers} engine members found in the cmdlets assembly; the check is not looking where it should");
            Assert.True(missing.Count == 0, "Missing from the net472 engine: " + string.Join(", ", missing.Distinct()));
        }

        private static bool FromEngine(MetadataReader md, TypeReferenceHandle handle)
        {
            TypeReference type = md.GetTypeReference(handle);
            while (type.ResolutionScope.Kind == HandleKind.TypeReference)
            {
                type = md.GetTypeReference((TypeReferenceHandle)type.ResolutionScope);
            }

            return type.ResolutionScope.Kind == HandleKind.AssemblyReference
                && md.GetString(md.GetAssemblyReference((AssemblyReferenceHandle)type.ResolutionScope).Name) == "PfaAzureDevOps.Core";
        }

        private static string FullName(MetadataReader md, TypeReferenceHandle handle)
        {
            TypeReference type = md.GetTypeReference(handle);
            if (type.ResolutionScope.Kind == HandleKind.TypeReference)
            {
                return FullName(md, (TypeReferenceHandle)type.ResolutionScope) + "/" + md.GetString(type.Name);
            }

            string ns = md.GetString(type.Namespace);
            return ns.Length == 0 ? md.GetString(type.Name) : ns + "." + md.GetString(type.Name);
        }

        private static string FullName(MetadataReader md, TypeDefinitionHandle handle)
        {
            TypeDefinition type = md.GetTypeDefinition(handle);
            TypeDefinitionHandle declaring = type.GetDeclaringType();
            if (!declaring.IsNil)
            {
                return FullName(md, declaring) + "/" + md.GetString(type.Name);
            }

            string ns = md.GetString(type.Namespace);
            return ns.Length == 0 ? md.GetString(type.Name) : ns + "." + md.GetString(type.Name);
        }

        private static int ParameterCount(MetadataReader md, MemberReference member)
        {
            BlobReader signature = md.GetBlobReader(member.Signature);
            SignatureHeader header = signature.ReadSignatureHeader();
            if (header.IsGeneric)
            {
                signature.ReadCompressedInteger();
            }

            return signature.ReadCompressedInteger();
        }

        [Fact]
        public void No_shipped_assembly_is_a_PlatformNotSupportedException_stub()
        {
            var stubs = ShippedAssemblies().Where(a => a.IsPlatformNotSupportedStub).Select(a => a.Identity.Name).ToList();
            Assert.True(stubs.Count == 0, "PlatformNotSupportedException stubs in dependencies/netfx: " + string.Join(", ", stubs));
        }

        /// <summary>The detector itself, on the lib/netstandard2.0 files that dependencies/netfx once shipped: it must catch them.</summary>
        [Theory]
        [InlineData("system.security.principal.windows/5.0.0/lib/netstandard2.0/System.Security.Principal.Windows.dll", true)]
        [InlineData("system.security.principal.windows/5.0.0/lib/net461/System.Security.Principal.Windows.dll", false)]
        public void The_stub_detector_tells_a_stub_from_the_real_assembly(string packagePath, bool stub)
        {
            string path = Path.Combine(NuGetPackagesFolder(), packagePath.Replace('/', Path.DirectorySeparatorChar));
            Assert.True(File.Exists(path), path + " is not in the NuGet cache (the engine's restore puts it there).");
            Assert.Equal(stub, ShippedAssembly.Read(path).IsPlatformNotSupportedStub);
        }

        [Theory]
        [InlineData("4.0.1.1", "4.0.5.0", true)]
        [InlineData("4.0.5.0", "4.0.5.0", true)]
        [InlineData("10.0.0.13", "10.0.0.12", false)]
        public void The_version_rule_checked_here_is_the_resolvers(string requested, string shippedVersion, bool served)
        {
            // The same rule NetFrameworkDependencyResolver.Serves applies (tested against the real resolver on Mono).
            var request = new AssemblyIdentity("System.Memory", new Version(requested), "cc7b13ffcd2ddd51");
            Assert.Equal(served, ResolverServes(request, new AssemblyIdentity("System.Memory", new Version(shippedVersion), "cc7b13ffcd2ddd51")));
            Assert.False(ResolverServes(request, new AssemblyIdentity("System.Memory", new Version(shippedVersion), "0123456789abcdef")));
        }

        private static bool ResolverServes(AssemblyIdentity requested, AssemblyIdentity shipped) =>
            string.Equals(requested.Name, shipped.Name, StringComparison.OrdinalIgnoreCase)
            && shipped.Version >= requested.Version
            && (requested.Token.Length == 0 || requested.Token == shipped.Token);

        private static List<ShippedAssembly> ShippedAssemblies()
        {
            string root = ModuleRoot();
            var files = Directory.GetFiles(Path.Combine(root, "dependencies", "netfx"), "*.dll").ToList();
            files.Add(Path.Combine(root, "PfaAzureDevOps.dll"));
            return files.Select(ShippedAssembly.Read).ToList();
        }

        private static Dictionary<string, AssemblyIdentity> FrameworkAssemblies()
        {
            string folder = Path.Combine(NuGetPackagesFolder(), "microsoft.netframework.referenceassemblies.net472", "1.0.3", "build", ".NETFramework", "v4.7.2");
            Assert.True(Directory.Exists(folder), folder + " is missing: restore tests/PfaAzureDevOps.Core.Tests (it downloads the .NET Framework 4.7.2 reference assemblies).");
            var result = new Dictionary<string, AssemblyIdentity>(StringComparer.OrdinalIgnoreCase);
            foreach (string file in Directory.GetFiles(folder, "*.dll").Concat(Directory.GetFiles(Path.Combine(folder, "Facades"), "*.dll")))
            {
                using var stream = File.OpenRead(file);
                using var pe = new PEReader(stream);
                if (!pe.HasMetadata || !pe.GetMetadataReader().IsAssembly)
                {
                    continue;
                }

                AssemblyIdentity identity = ShippedAssembly.Read(file).Identity;
                result[identity.Name] = identity;
            }

            return result;
        }

        internal static string NuGetPackagesFolder()
        {
            string? configured = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
            return !string.IsNullOrEmpty(configured) ? configured : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        }

        internal static string ModuleRoot()
        {
            string? configured = Environment.GetEnvironmentVariable("PFA_NETFX_MODULE_ROOT");
            if (!string.IsNullOrEmpty(configured))
            {
                return configured;
            }

            for (DirectoryInfo? d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
            {
                string manifest = Path.Combine(d.FullName, "PfaAzureDevOps.psd1");
                if (File.Exists(manifest) && File.Exists(Path.Combine(d.FullName, "build.ps1")))
                {
                    string version = Regex.Match(File.ReadAllText(manifest), @"ModuleVersion\s*=\s*'([^']+)'").Groups[1].Value;
                    string root = Path.Combine(d.FullName, "out", "PfaAzureDevOps", version);
                    Assert.True(File.Exists(Path.Combine(root, "PfaAzureDevOps.dll")), $"The packaged module is not at {root}: run ./build.ps1 Package first (./build.ps1 Test does).");
                    return root;
                }
            }

            throw new InvalidOperationException("The repository (PfaAzureDevOps.psd1) was not found above " + AppContext.BaseDirectory);
        }
    }

    internal sealed class AssemblyIdentity
    {
        public AssemblyIdentity(string name, Version version, string token)
        {
            Name = name;
            Version = version;
            Token = token;
        }

        public string Name { get; }

        public Version Version { get; }

        /// <summary>Lower-case hex, empty when unsigned.</summary>
        public string Token { get; }

        public override string ToString() => $"{Name} {Version}{(Token.Length > 0 ? " " + Token : string.Empty)}";
    }

    internal sealed class ShippedAssembly
    {
        private ShippedAssembly(AssemblyIdentity identity, List<AssemblyIdentity> references, string? targetFramework, bool stub)
        {
            Identity = identity;
            References = references;
            TargetFramework = targetFramework;
            IsPlatformNotSupportedStub = stub;
        }

        public AssemblyIdentity Identity { get; }

        public List<AssemblyIdentity> References { get; }

        public string? TargetFramework { get; }

        /// <summary>Most of its method bodies construct a PlatformNotSupportedException (the shape of the packages' stubs).</summary>
        public bool IsPlatformNotSupportedStub { get; }

        public static ShippedAssembly Read(string path)
        {
            using var stream = File.OpenRead(path);
            using var pe = new PEReader(stream);
            MetadataReader md = pe.GetMetadataReader();
            AssemblyDefinition definition = md.GetAssemblyDefinition();
            var identity = new AssemblyIdentity(md.GetString(definition.Name), definition.Version, TokenOf(md.GetBlobBytes(definition.PublicKey), isFullKey: true));
            var references = md.AssemblyReferences.Select(h => md.GetAssemblyReference(h))
                .Select(r => new AssemblyIdentity(md.GetString(r.Name), r.Version, TokenOf(md.GetBlobBytes(r.PublicKeyOrToken), (r.Flags & System.Reflection.AssemblyFlags.PublicKey) != 0)))
                .ToList();
            return new ShippedAssembly(identity, references, TargetFrameworkOf(md), IsStub(pe, md));
        }

        private static string TokenOf(byte[] keyOrToken, bool isFullKey)
        {
            if (keyOrToken.Length == 0)
            {
                return string.Empty;
            }

            byte[] token = keyOrToken;
            if (isFullKey)
            {
#pragma warning disable CA5350 // The public key token is defined as the last 8 bytes of the key's SHA-1, reversed.
                byte[] hash = System.Security.Cryptography.SHA1.HashData(keyOrToken);
#pragma warning restore CA5350
                token = hash.Skip(hash.Length - 8).Reverse().ToArray();
            }

            return Convert.ToHexString(token).ToLowerInvariant();
        }

        private static string? TargetFrameworkOf(MetadataReader md)
        {
            foreach (CustomAttributeHandle handle in md.GetAssemblyDefinition().GetCustomAttributes())
            {
                CustomAttribute attribute = md.GetCustomAttribute(handle);
                if (attribute.Constructor.Kind == HandleKind.MemberReference)
                {
                    MemberReference ctor = md.GetMemberReference((MemberReferenceHandle)attribute.Constructor);
                    if (ctor.Parent.Kind == HandleKind.TypeReference && md.GetString(md.GetTypeReference((TypeReferenceHandle)ctor.Parent).Name) == "TargetFrameworkAttribute")
                    {
                        BlobReader value = md.GetBlobReader(attribute.Value);
                        value.ReadUInt16(); // prolog
                        return value.ReadSerializedString();
                    }
                }
            }

            return null;
        }

        private static bool IsStub(PEReader pe, MetadataReader md)
        {
            var pnseCtors = new HashSet<int>();
            foreach (MemberReferenceHandle handle in md.MemberReferences)
            {
                MemberReference member = md.GetMemberReference(handle);
                if (member.Parent.Kind == HandleKind.TypeReference && md.GetString(member.Name) == ".ctor"
                    && md.GetString(md.GetTypeReference((TypeReferenceHandle)member.Parent).Name) == "PlatformNotSupportedException")
                {
                    pnseCtors.Add(MetadataTokens.GetToken(handle));
                }
            }

            if (pnseCtors.Count == 0)
            {
                return false;
            }

            int bodies = 0;
            int throwing = 0;
            foreach (MethodDefinitionHandle handle in md.MethodDefinitions)
            {
                MethodDefinition method = md.GetMethodDefinition(handle);
                if (method.RelativeVirtualAddress == 0)
                {
                    continue;
                }

                bodies++;
                byte[] il = pe.GetMethodBody(method.RelativeVirtualAddress).GetILBytes() ?? Array.Empty<byte>();
                for (int i = 0; i + 4 < il.Length; i++)
                {
                    if (il[i] == 0x73 && pnseCtors.Contains(BitConverter.ToInt32(il, i + 1)))
                    {
                        throwing++;
                        break;
                    }
                }
            }

            return bodies > 0 && throwing * 2 > bodies;
        }
    }
}
