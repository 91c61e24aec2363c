# Conan 2 recipe for jwtservice, built from this source tree:
#   conan create . -s compiler.cppstd=20 --build=missing     (SQLite and Redis on, as the CMake build)
#   conan create . -s compiler.cppstd=20 --build=missing -o "&:with_redis=False" -o "&:shared=True"
# It also serves development (it replaces the former conanfile.txt): with
# `-c user.jwtservice:dev=True`, `conan install .` adds GoogleTest and Google Benchmark and the
# generated toolchain turns the tests and benchmarks on.
import os

from conan import ConanFile
from conan.errors import ConanInvalidConfiguration
from conan.tools.build import check_min_cppstd
from conan.tools.cmake import CMake, CMakeDeps, CMakeToolchain, cmake_layout
from conan.tools.files import copy, rmdir
from conan.tools.gnu import PkgConfigDeps
from conan.tools.scm import Version

required_conan_version = ">=2.0"


class JwtserviceConan(ConanFile):
    name = "jwtservice"
    version = "0.1.0"
    description = "Purpose-tagged JSON Web Tokens for C++20"
    license = "MIT"
    topics = ("jwt", "json-web-token", "hs256", "authentication", "revocation")
    package_type = "library"
    settings = "os", "arch", "compiler", "build_type"
    options = {
        "shared": [True, False],
        "fPIC": [True, False],
        "with_sqlite": [True, False],
        "with_redis": [True, False],
    }
    default_options = {
        "shared": False,
        "fPIC": True,
        "with_sqlite": True,
        "with_redis": True,
    }
    # What the library build reads; fuzz/CMakeLists.txt is added by the top-level CMakeLists.txt and
    # returns at once unless JWTSERVICE_BUILD_FUZZERS is on. The tests and benchmarks come along
    # for the development mode only (they are not needed to create the package).
    exports_sources = (
        "CMakeLists.txt",
        "LICENSE",
        "cmake/*",
        "include/*",
        "src/*",
        "fuzz/CMakeLists.txt",
    )

    @property
    def _dev(self):
        return self.conf.get("user.jwtservice:dev", default=False, check_type=bool)

    def config_options(self):
        if self.settings.os == "Windows":
            del self.options.fPIC
            # The Redis tests and store use POSIX calls; off by default there, as in CMakeLists.txt.
            self.options.with_redis = False

    def configure(self):
        if self.options.shared:
            self.options.rm_safe("fPIC")

    def layout(self):
        cmake_layout(self)

    def requirements(self):
        self.requires("openssl/[>=3.0 <4]")
        # nlohmann::json is in the public headers: its version must be the consumer's too.
        self.requires("nlohmann_json/[>=3.10 <4]", transitive_headers=True)
        if self.options.with_sqlite:
            self.requires("sqlite3/[>=3.35 <4]")
        if self.options.with_redis:
            self.requires("hiredis/[>=1.0 <2]")

    def build_requirements(self):
        if self.options.with_redis:
            # CMakeLists.txt finds hiredis with pkg_check_modules.
            self.tool_requires("pkgconf/[>=2.0 <3]")
        if self._dev:
            self.test_requires("gtest/[>=1.12 <2]")
            self.test_requires("benchmark/[>=1.7 <2]")

    def validate(self):
        check_min_cppstd(self, 20)
        # Designated initializers, concepts and <span>: GCC 10, Clang 12, MSVC 19.29 (VS 2019 16.10).
        minimum = {"gcc": "10", "clang": "12", "apple-clang": "13", "msvc": "192"}
        compiler = str(self.settings.compiler)
        if compiler in minimum and Version(self.settings.compiler.version) < minimum[compiler]:
            raise ConanInvalidConfiguration(f"{self.ref} needs {compiler} {minimum[compiler]} or newer (C++20)")
        if self.options.with_redis and self.settings.os == "Windows":
            raise ConanInvalidConfiguration(f"{self.ref}: with_redis is not supported on Windows")

    def generate(self):
        tc = CMakeToolchain(self)
        tc.cache_variables["JWTSERVICE_WITH_SQLITE"] = bool(self.options.with_sqlite)
        tc.cache_variables["JWTSERVICE_WITH_REDIS"] = bool(self.options.with_redis)
        tc.cache_variables["JWTSERVICE_BUILD_TESTS"] = self._dev
        tc.cache_variables["JWTSERVICE_BUILD_BENCHMARKS"] = self._dev
        tc.cache_variables["JWTSERVICE_BUILD_EXAMPLES"] = self._dev
        tc.cache_variables["JWTSERVICE_BUILD_CLI"] = True
        tc.cache_variables["JWTSERVICE_INSTALL"] = True
        # Our -Werror is for our own CI, not for every compiler a Conan profile may bring.
        tc.cache_variables["JWTSERVICE_WARNINGS_AS_ERRORS"] = self._dev
        tc.generate()
        CMakeDeps(self).generate()
        if self.options.with_redis:
            PkgConfigDeps(self).generate()  # hiredis.pc, for pkg_check_modules(hiredis)

    def build(self):
        cmake = CMake(self)
        cmake.configure()
        cmake.build()

    def package(self):
        copy(self, "LICENSE", src=self.source_folder, dst=os.path.join(self.package_folder, "licenses"))
        cmake = CMake(self)
        cmake.install()
        # Conan's generators describe the package (package_info below); the project's own CMake
        # and pkg-config files would name the dependencies' system locations.
        rmdir(self, os.path.join(self.package_folder, "lib", "cmake"))
        rmdir(self, os.path.join(self.package_folder, "lib", "pkgconfig"))

    def package_info(self):
        self.cpp_info.set_property("cmake_file_name", "jwtservice")
        self.cpp_info.set_property("cmake_target_name", "jwtservice::jwtservice")
        self.cpp_info.set_property("pkg_config_name", "jwtservice")
        self.cpp_info.libs = ["jwtservice"]
        if not self.options.shared:
            self.cpp_info.defines = ["JWTSERVICE_STATIC_DEFINE"]
        self.cpp_info.requires = ["openssl::crypto", "nlohmann_json::nlohmann_json"]
        if self.options.with_sqlite:
            self.cpp_info.requires.append("sqlite3::sqlite3")
        if self.options.with_redis:
            self.cpp_info.requires.append("hiredis::hiredislib")
        if self.settings.os in ("Linux", "FreeBSD"):
            self.cpp_info.system_libs = ["pthread"]
