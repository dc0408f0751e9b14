/**
 * Data lists for realistic Colombian names and places. Every character is in Latin-1, so any
 * generated file can be re-encoded as Latin-1 without loss.
 */

/** A `|`-separated list (keeps long data lists compact). */
function list(items: string): readonly string[] {
  return items.split('|');
}

export const NOMBRES_HOMBRE = list(
  'Juan|José|Carlos|Luis|Andrés|Jorge|Diego|Santiago|Sebastián|Alejandro|Felipe|Camilo|' +
    'Daniel|David|Miguel|Óscar|Jaime|Hernán|Fabián|Mauricio|Julián|Esteban|Nicolás|Mateo|' +
    'Samuel|Cristian|Édgar|Fernando|Ricardo|Álvaro|Germán|Héctor|Iván|Jhon|Wilmar|Yeison|' +
    'Brayan|Arley|Orlando|Gustavo|Rafael|Raúl|Rubén|Sergio|Tomás|Víctor|William|Manuel|Pedro|' +
    'Pablo|Emilio|Gabriel|Hugo|Martín',
);

export const NOMBRES_MUJER = list(
  'María|Ana|Luz|Carmen|Gloria|Martha|Claudia|Sandra|Patricia|Diana|Paola|Carolina|Andrea|' +
    'Natalia|Daniela|Valentina|Camila|Laura|Juliana|Alejandra|Catalina|Ángela|Mónica|Liliana|' +
    'Adriana|Lucía|Isabel|Sofía|Mariana|Gabriela|Yolanda|Rosa|Marisol|Luisa|Viviana|Johana|' +
    'Yesenia|Leidy|Sara|Ximena|Beatriz|Esperanza|Milena|Nubia|Stella|Inés|Jimena|Verónica|' +
    'Lorena|Tatiana|Salomé|Antonella',
);

export const APELLIDOS = list(
  'Rodríguez|Gómez|González|Martínez|García|López|Hernández|Sánchez|Ramírez|Pérez|Díaz|' +
    'Muñoz|Rojas|Moreno|Jiménez|Vargas|Castro|Gutiérrez|Álvarez|Romero|Ortiz|Suárez|Torres|' +
    'Ruiz|Valencia|Quintero|Restrepo|Mejía|Cárdenas|Ospina|Zapata|Giraldo|Arango|Salazar|' +
    'Henao|Cardona|Escobar|Londoño|Betancur|Gaviria|Agudelo|Montoya|Correa|Marín|Osorio|' +
    'Mosquera|Palacios|Córdoba|Rentería|Ríos|Herrera|Medina|Aguilar|Castaño|Ocampo|Duque|' +
    'Villa|Vélez|Uribe|Echeverri|Bermúdez|Pineda|Parra|Guerrero|Navarro|Peña|Cruz|Caicedo|' +
    'Cifuentes|Ibarra|Benavides|Bolaños|Chávez|Acosta|Barrios|Mendoza|Polo|Ariza|Fonseca|' +
    'Patiño|Sierra|Camacho|Cabrera|Beltrán|Forero|Niño|Buitrago|Rincón',
);

export interface Ciudad {
  nombre: string;
  departamento: string;
  /** Relative weight (roughly the number of electricity users). */
  peso: number;
}

export const CIUDADES: readonly Ciudad[] = [
  { nombre: 'Bogotá', departamento: 'Bogotá D.C.', peso: 160 },
  { nombre: 'Medellín', departamento: 'Antioquia', peso: 52 },
  { nombre: 'Cali', departamento: 'Valle del Cauca', peso: 48 },
  { nombre: 'Barranquilla', departamento: 'Atlántico', peso: 27 },
  { nombre: 'Cartagena', departamento: 'Bolívar', peso: 22 },
  { nombre: 'Cúcuta', departamento: 'Norte de Santander', peso: 16 },
  { nombre: 'Soacha', departamento: 'Cundinamarca', peso: 14 },
  { nombre: 'Soledad', departamento: 'Atlántico', peso: 13 },
  { nombre: 'Bucaramanga', departamento: 'Santander', peso: 12 },
  { nombre: 'Bello', departamento: 'Antioquia', peso: 11 },
  { nombre: 'Villavicencio', departamento: 'Meta', peso: 11 },
  { nombre: 'Ibagué', departamento: 'Tolima', peso: 10 },
  { nombre: 'Santa Marta', departamento: 'Magdalena', peso: 10 },
  { nombre: 'Valledupar', departamento: 'Cesar', peso: 9 },
  { nombre: 'Manizales', departamento: 'Caldas', peso: 9 },
  { nombre: 'Pereira', departamento: 'Risaralda', peso: 9 },
  { nombre: 'Montería', departamento: 'Córdoba', peso: 9 },
  { nombre: 'Neiva', departamento: 'Huila', peso: 7 },
  { nombre: 'Pasto', departamento: 'Nariño', peso: 7 },
  { nombre: 'Armenia', departamento: 'Quindío', peso: 6 },
  { nombre: 'Popayán', departamento: 'Cauca', peso: 6 },
  { nombre: 'Sincelejo', departamento: 'Sucre', peso: 6 },
  { nombre: 'Itagüí', departamento: 'Antioquia', peso: 6 },
  { nombre: 'Floridablanca', departamento: 'Santander', peso: 6 },
  { nombre: 'Envigado', departamento: 'Antioquia', peso: 5 },
  { nombre: 'Tunja', departamento: 'Boyacá', peso: 4 },
  { nombre: 'Riohacha', departamento: 'La Guajira', peso: 4 },
  { nombre: 'Quibdó', departamento: 'Chocó', peso: 3 },
  { nombre: 'Florencia', departamento: 'Caquetá', peso: 4 },
  { nombre: 'Yopal', departamento: 'Casanare', peso: 4 },
  { nombre: 'Palmira', departamento: 'Valle del Cauca', peso: 5 },
  { nombre: 'Buenaventura', departamento: 'Valle del Cauca', peso: 5 },
  { nombre: 'Tuluá', departamento: 'Valle del Cauca', peso: 3 },
  { nombre: 'Girardot', departamento: 'Cundinamarca', peso: 2 },
  { nombre: 'Zipaquirá', departamento: 'Cundinamarca', peso: 2 },
  { nombre: 'Chía', departamento: 'Cundinamarca', peso: 2 },
  { nombre: 'Fusagasugá', departamento: 'Cundinamarca', peso: 2 },
  { nombre: 'Sogamoso', departamento: 'Boyacá', peso: 2 },
  { nombre: 'Duitama', departamento: 'Boyacá', peso: 2 },
  { nombre: 'Rionegro', departamento: 'Antioquia', peso: 2 },
  { nombre: 'Apartadó', departamento: 'Antioquia', peso: 2 },
  { nombre: 'Barrancabermeja', departamento: 'Santander', peso: 3 },
  { nombre: 'Maicao', departamento: 'La Guajira', peso: 2 },
  { nombre: 'Arauca', departamento: 'Arauca', peso: 1 },
  { nombre: 'San Andrés', departamento: 'San Andrés y Providencia', peso: 1 },
  { nombre: 'Leticia', departamento: 'Amazonas', peso: 1 },
  { nombre: 'Mocoa', departamento: 'Putumayo', peso: 1 },
  { nombre: 'San José del Guaviare', departamento: 'Guaviare', peso: 1 },
  { nombre: 'Mitú', departamento: 'Vaupés', peso: 0.5 },
  { nombre: 'Puerto Carreño', departamento: 'Vichada', peso: 0.5 },
  { nombre: 'Inírida', departamento: 'Guainía', peso: 0.5 },
];

/** Other spellings some exports use for a city (dirty mode). */
export const ALIAS_CIUDAD: Readonly<Record<string, readonly string[]>> = {
  Bogotá: ['Bogotá D.C.', 'BOGOTA D.C.', 'Bogota, D.C.', 'Santafé de Bogotá'],
  Medellín: ['Medellin', 'MEDELLIN'],
  Cartagena: ['Cartagena de Indias'],
  Cúcuta: ['San José de Cúcuta', 'Cucuta'],
  Cali: ['Santiago de Cali'],
};

export const TIPOS_COMERCIO = list(
  'Panadería|Supermercado|Droguería|Ferretería|Restaurante|Hotel|Almacén|Distribuidora|' +
    'Comercializadora|Inversiones|Tienda|Papelería|Clínica|Centro Comercial|Lavandería|' +
    'Estación de Servicio|Autoservicio|Miscelánea|Cafetería|Carnicería|Asadero|Hostal|' +
    'Gimnasio|Taller',
);

export const NOMBRES_COMERCIO = list(
  'La Esperanza|El Progreso|San José|Santa Fe|La Campiña|El Dorado|Los Andes|Don Pedro|' +
    'El Triunfo|La Fortuna|Mi Pueblo|La Sabana|El Porvenir|San Nicolás|Los Alpes|Primavera|' +
    'La Economía|El Paisa|Costa Azul|La Sultana|El Llanero|La Montaña|Villa Real|El Faro|' +
    'La Cosecha|Los Almendros|El Cafetal|La Perla|Central|Express|El Mirador|La Estrella',
);

export const TIPOS_INDUSTRIA = list(
  'Textiles|Cementos|Plásticos|Alimentos|Metalúrgica|Curtiembres|Papeles|Industrias|Química|' +
    'Siderúrgica|Cerámicas|Vidrios|Lácteos|Molinos|Confecciones|Empaques|Fundiciones|Pinturas|' +
    'Extrusiones|Frigorífico',
);

export const NOMBRES_INDUSTRIA = list(
  'del Valle|Andina|del Caribe|Colombiana|de Occidente|del Norte|Nacional|Santandereana|' +
    'Antioqueña|del Pacífico|La Cumbre|Integrales|del Sur|del Llano|Unidas|del Tolima|' +
    'Boyacense|Cafetera|del Magdalena',
);

export const SANTOS = list(
  'San Rafael|San Vicente de Paúl|San Juan de Dios|Santa Clara|San Jerónimo|La Misericordia|' +
    'San Antonio|Santa Sofía|San Francisco|Nuestra Señora del Carmen',
);

export const INSTITUCIONES = list(
  'Técnica Industrial|Simón Bolívar|Antonio Nariño|Francisco de Paula Santander|' +
    'Policarpa Salavarrieta|José María Córdova|La Salle|Camilo Torres|Gabriel García Márquez',
);
